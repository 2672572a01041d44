import { Module } from '@nestjs/common';
import { MetadataController } from './metadata.controller.js';
import { PatientController } from './patient.controller.js';
import { SearchPatients } from './usecases/search-patients.js';

@Module({
  controllers: [MetadataController, PatientController],
  providers: [SearchPatients],
})
export class FhirModule {}
