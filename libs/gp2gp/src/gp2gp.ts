import type { AuditTrail } from '@lloyd/access';
import type { DemographicsLookup } from './endpoints/demographics.js';
import type { PatientRegistry, TransferMarkers } from '@lloyd/federation';
import type { AppLogger, MetricsService } from '@lloyd/observability';
import type { BlobStore, Job, JobQueue, KeyValueStore } from '@lloyd/store';
import type { Terminology } from '@lloyd/terminology';
import type { AutoIntegrationPolicy } from './endpoints/auto-integration.js';
import type { TransferEndpoints } from './endpoints/transfer-endpoints.js';
import { TransferEvents } from './events/transfer-events.js';
import { TransferScheduler } from './jobs/transfer-scheduler.js';
import { FragmentStore } from './messaging/fragment-store.js';
import { Gp2gpMessages } from './messaging/gp2gp-messages.js';
import { InProcessSpineTransport, type SpineTransport } from './messaging/spine-transport.js';
import { TransferMetrics } from './metrics/transfer-metrics.js';
import { resolveOptions, type Gp2gpClock, type Gp2gpOptions } from './options.js';
import { StorePatientRegistry } from '@lloyd/federation';
import { BuildIntegrationReport } from './report/integration-report.js';
import { AnswerContinue } from './sender/answer-continue.js';
import { AnswerEhrRequest } from './sender/answer-ehr-request.js';
import { AcknowledgeTransferStep } from './steps/acknowledge-transfer.js';
import { CheckTimeoutsStep } from './steps/check-timeouts.js';
import { DeliverRecordStep } from './steps/deliver-record.js';
import { ReceiveFragmentsStep } from './steps/receive-fragments.js';
import { RemoveTransferFilesStep } from './steps/remove-transfer-files.js';
import { RequestExtractStep } from './steps/request-extract.js';
import { StepRunner, type StepResult, type TransferStep } from './steps/step-runner.js';
import { TranslateExtractStep } from './steps/translate-extract.js';
import { StepLeases } from './store/step-lease.js';
import { TransferRepository } from './store/transfer-repository.js';
import { Transfers } from './store/transfers.js';
import { AcceptTransfer } from './usecases/accept-transfer.js';
import { GetTransfer } from './usecases/get-transfer.js';
import { GetIntegrationNote } from './usecases/get-integration-note.js';
import { ListTransfers } from './usecases/list-transfers.js';
import { ReceiveExtract } from './usecases/receive-extract.js';
import { RejectTransfer } from './usecases/reject-transfer.js';
import { ResumeStalledTransfers } from './usecases/resume-stalled-transfers.js';
import { SettleAcceptance } from './usecases/settle-acceptance.js';
import { StartTransfer } from './usecases/start-transfer.js';
import { WatchTransfer } from './usecases/watch-transfer.js';
import type { Gp2gpJob, Gp2gpJobPayload } from './jobs/gp2gp-job.js';

/** What the transfer broker needs from the rest of Lloyd. */
export interface Gp2gpDependencies {
  kv: KeyValueStore;
  blobs: BlobStore;
  queue: JobQueue;
  metrics: MetricsService;
  /** The patient registry the federated view routes by; moves are recorded over it. */
  registry: PatientRegistry;
  markers: TransferMarkers;
  endpoints: TransferEndpoints;
  terminology: Terminology;
  audit: AuditTrail;
  autoIntegration: AutoIntegrationPolicy;
  options?: Partial<Gp2gpOptions>;
  clock?: Gp2gpClock;
  /** Carries fragments between the practices; in-process by default. */
  transport?: SpineTransport;
  logger?: AppLogger;
  /**
   * The patient's demographics, as the receiving practice has them from the national demographics service (PDS),
   * with the sending practice's dissent and S-flag: an EHR extract carries the NHS number but not the full
   * demographics, nor the sharing status, that the receiving system files with the record.
   */
  demographics?: DemographicsLookup;
}

export type { DemographicsLookup, KnownPatient } from './endpoints/demographics.js';

/**
 * The GP2GP transfer broker, assembled: use cases for the HTTP API, the steps the worker runs as jobs, and the
 * parts they share. Built once per process (by `Gp2gpModule`, or directly in tests and benchmarks).
 */
export class Gp2gp {
  readonly options: Gp2gpOptions;
  readonly clock: Gp2gpClock;
  readonly repository: TransferRepository;
  readonly events: TransferEvents;
  readonly transfers: Transfers;
  readonly scheduler: TransferScheduler;
  readonly runner: StepRunner;
  readonly registry: StorePatientRegistry;
  readonly messages: Gp2gpMessages;
  readonly fragments: FragmentStore;
  /** Every step, one per job name. */
  readonly steps: readonly TransferStep[];

  readonly startTransfer: StartTransfer;
  readonly getTransfer: GetTransfer;
  readonly getIntegrationNote: GetIntegrationNote;
  readonly listTransfers: ListTransfers;
  readonly watchTransfer: WatchTransfer;
  readonly acceptTransfer: AcceptTransfer;
  readonly rejectTransfer: RejectTransfer;
  readonly integrationReport: BuildIntegrationReport;
  /** Requesting side: an extract arrived (duplicates refused with reason 12). */
  readonly receiveExtract: ReceiveExtract;
  /** Sending side: the requester's continue arrived (out of order before the extract). */
  readonly answerContinue: AnswerContinue;
  /** The lost-job safety net the worker runs periodically. */
  readonly resumeStalled: ResumeStalledTransfers;

  constructor(deps: Gp2gpDependencies) {
    const options = (this.options = resolveOptions(deps.options));
    const clock = (this.clock = deps.clock ?? Date.now);
    this.repository = new TransferRepository(deps.kv);
    this.events = new TransferEvents((id) => this.repository.get(id), options.eventPollMs);
    const metrics = new TransferMetrics(deps.metrics);
    this.transfers = new Transfers(this.repository, this.events, metrics, clock);
    this.scheduler = new TransferScheduler(deps.queue, options, clock);
    const leases = new StepLeases(deps.kv, options.leaseTtlMs);
    this.runner = new StepRunner(this.transfers, leases, this.scheduler, options.leaseTtlMs, options, deps.logger);
    this.registry =
      deps.registry instanceof StorePatientRegistry ? deps.registry : new StorePatientRegistry(deps.registry, deps.kv);
    this.messages = new Gp2gpMessages(clock);
    this.fragments = new FragmentStore(deps.blobs, options.fragmentBytes);
    const transport = deps.transport ?? new InProcessSpineTransport(deps.blobs);

    this.receiveExtract = new ReceiveExtract(this.transfers, deps.blobs, this.messages, options);
    this.answerContinue = new AnswerContinue(this.messages, transport);
    const answerRequest = new AnswerEhrRequest(
      deps.endpoints,
      deps.blobs,
      this.fragments,
      this.messages,
      deps.terminology,
      options,
    );
    this.steps = [
      new RequestExtractStep(this.transfers, deps.blobs, this.messages, answerRequest, this.receiveExtract),
      new ReceiveFragmentsStep(
        this.transfers,
        deps.blobs,
        this.fragments,
        this.messages,
        this.answerContinue,
        this.scheduler,
        options,
      ),
      new TranslateExtractStep(this.transfers, deps.blobs, this.messages, deps.terminology, deps.demographics),
      new DeliverRecordStep(this.transfers, deps.blobs, this.fragments, deps.endpoints, deps.autoIntegration, options),
      new AcknowledgeTransferStep(this.transfers, deps.blobs, deps.kv, this.messages, this.registry, deps.markers),
      new CheckTimeoutsStep(this.transfers, this.scheduler),
      new RemoveTransferFilesStep(this.transfers, deps.blobs, this.scheduler, metrics, options, deps.logger),
    ];

    this.startTransfer = new StartTransfer(
      this.transfers,
      deps.kv,
      deps.endpoints,
      this.registry,
      deps.markers,
      this.scheduler,
      deps.audit,
    );
    this.getTransfer = new GetTransfer(this.transfers, deps.audit);
    this.getIntegrationNote = new GetIntegrationNote(this.transfers, deps.blobs, deps.audit);
    this.listTransfers = new ListTransfers(this.transfers, deps.audit);
    this.watchTransfer = new WatchTransfer(this.transfers, this.events, deps.audit);
    const settle = new SettleAcceptance(this.transfers, deps.blobs, deps.endpoints, this.scheduler, leases, options);
    this.acceptTransfer = new AcceptTransfer(settle, deps.audit);
    this.rejectTransfer = new RejectTransfer(settle, deps.audit);
    this.integrationReport = new BuildIntegrationReport(this.repository, clock);
    this.resumeStalled = new ResumeStalledTransfers(
      this.transfers,
      deps.kv,
      this.scheduler,
      options.resumeStalledAfterMs,
      options.fileRetentionMs,
    );
  }

  /** The step a job runs. */
  step(job: Gp2gpJob): TransferStep {
    const found = this.steps.find((s) => s.job === job);
    if (!found) throw new Error(`No GP2GP step handles job ${job}`);
    return found;
  }

  /** Runs one job's step for a transfer, as a worker does (tests call it to drive a transfer by hand). */
  runStep(job: Gp2gpJob, transferId: string): Promise<StepResult> {
    return this.runner.run(this.step(job), transferId);
  }

  /**
   * Handles one GP2GP job as a worker does: runs the step its name names for the transfer in its payload. Jobs carry
   * ids only; the step re-reads the transfer and returns quietly when there is nothing to do.
   */
  async handle(job: Job<Gp2gpJobPayload>): Promise<StepResult> {
    return this.runner.run(this.step(job.name as Gp2gpJob), job.data.transferId);
  }

  /** Stops live progress streams. */
  close(): void {
    this.events.onModuleDestroy();
  }
}
