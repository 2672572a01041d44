export { describeWithRedis, redisAvailable, startRedis, type RedisServer } from './redis.js';
