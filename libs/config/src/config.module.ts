import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LloydConfig } from './schema.js';

/** Injection token for the parsed, typed {@link LloydConfig}. */
export const LLOYD_CONFIG = Symbol('LLOYD_CONFIG');

/** Makes one already-parsed configuration available everywhere; parsing happens once, at the entry point. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LloydConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: LLOYD_CONFIG, useValue: config }], exports: [LLOYD_CONFIG] };
  }
}
