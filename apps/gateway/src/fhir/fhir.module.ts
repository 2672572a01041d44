import { Module } from '@nestjs/common';
import { AccessModule } from '@lloyd/access';
import { AuthModule } from '@lloyd/auth';
import { TerminologyModule } from '@lloyd/terminology';
import { ClinicalController } from './clinical.controller.js';
import { MetadataController } from './metadata.controller.js';
import { PatientController } from './patient.controller.js';
import { AuditedRead } from './record/audited-read.js';
import { PageTokens } from './record/page-tokens.js';
import { RecordReader } from './record/record-reader.js';
import { resourceIdsProvider } from './record/resource-ids.js';
import { GetStructuredRecord } from './usecases/get-structured-record.js';
import { StructuredAnswers } from './structured/structured-answers.js';
import { ReadDocument } from './usecases/read-document.js';
import { ReadResource } from './usecases/read-resource.js';
import { SearchClinical } from './usecases/search-clinical.js';
import { SearchPatients } from './usecases/search-patients.js';

@Module({
  imports: [AccessModule, AuthModule, TerminologyModule],
  // PatientController first: its static /fhir/Patient routes must not be taken for the generic /fhir/:type ones.
  controllers: [MetadataController, PatientController, ClinicalController],
  providers: [
    RecordReader,
    AuditedRead,
    PageTokens,
    resourceIdsProvider,
    SearchPatients,
    GetStructuredRecord,
    StructuredAnswers,
    SearchClinical,
    ReadResource,
    ReadDocument,
  ],
})
export class FhirModule {}
