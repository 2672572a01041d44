import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { LAB_REPORT_CODE, SPECIMEN_CODE } from '../extract/statements/compound.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, writeInterval, writeParticipant, writeTs, type BuildContext } from './build-context.js';
import { inComponent, writeNoteStatement, writeObservationTree } from './write-observation.js';

/** HL7 root GP2GP uses for a laboratory's specimen (accession) number. */
const ACCESSION_ROOT = '2.16.840.1.113883.2.1.4.5.2';

function writeEmpty(w: XmlWriter, ctx: BuildContext, seed: string): void {
  inComponent(w, true, () => {
    w.element('EhrEmpty', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, ctx.derivedId(seed)));
  });
}

function writeReportCode(w: XmlWriter, code: fhir4.CodeableConcept): void {
  const isLabReport = (code.coding ?? []).some((c) => c.system === CODE_SYSTEMS.snomed && c.code === LAB_REPORT_CODE);
  if (isLabReport) {
    writeConcept(w, 'code', code, { degraded: 'generic' });
    return;
  }
  // GP2GP files every laboratory report under "laboratory reporting"; the report's own coding travels with it.
  writeConcept(
    w,
    'code',
    {
      ...code,
      coding: [
        { system: CODE_SYSTEMS.snomed, code: LAB_REPORT_CODE, display: 'laboratory reporting' },
        ...(code.coding ?? []),
      ],
    },
    { degraded: 'generic' },
  );
}

function writeSpecimen(
  w: XmlWriter,
  ctx: BuildContext,
  report: fhir4.DiagnosticReport,
  specimen: fhir4.Specimen,
  results: fhir4.Observation[],
  written: Set<fhir4.Resource>,
): void {
  const collected = specimen.collection?.collectedDateTime;
  w.element('CompoundStatement', { classCode: 'CLUSTER', moodCode: 'EVN' }, () => {
    writeId(w, ctx.derivedId(`specimen:${specimen.id}`));
    w.empty('code', { code: SPECIMEN_CODE, codeSystem: OIDS.snomed, displayName: 'specimen (specimen)' });
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', undefined);
    writeTs(w, 'availabilityTime', report.issued ?? report.effectiveDateTime);
    ctx.writeConfidentiality(w, report, specimen);
    w.element('specimen', { typeCode: 'SPC' }, () => {
      w.element('specimenRole', { classCode: 'SPEC' }, () => {
        writeId(w, ctx.xmlId(specimen));
        if (specimen.accessionIdentifier?.value) writeId(w, ACCESSION_ROOT, specimen.accessionIdentifier.value);
        if (collected) writeInterval(w, 'effectiveTime', collected);
        w.element('specimenSpecimenMaterial', { classCode: 'MAT', determinerCode: 'INSTANCE' }, () => {
          w.text('desc', specimen.type?.text ?? specimen.type?.coding?.[0]?.display ?? 'Unknown');
        });
      });
    });
    (specimen.note ?? []).forEach((note, i) => {
      inComponent(w, true, () =>
        writeNoteStatement(w, ctx, `specimen-note:${specimen.id}:${i}`, note.text, collected, specimen),
      );
    });
    for (const result of results) inComponent(w, true, () => writeObservationTree(w, ctx, result, written, true));
    if ((specimen.note ?? []).length === 0 && results.length === 0) writeEmpty(w, ctx, `specimen-empty:${specimen.id}`);
  });
}

/**
 * A DiagnosticReport as GP2GP files a laboratory report: a "laboratory reporting" cluster holding the report
 * comments, one specimen cluster per specimen with its results, and the results that name no specimen.
 */
export function writeReport(
  w: XmlWriter,
  ctx: BuildContext,
  report: fhir4.DiagnosticReport,
  written: Set<fhir4.Resource>,
): void {
  const specimens = (report.specimen ?? [])
    .map((s) => ctx.resolve<fhir4.Specimen>(s))
    .filter((s): s is fhir4.Specimen => s?.resourceType === 'Specimen');
  const results = (report.result ?? [])
    .map((r) => ctx.resolve<fhir4.Observation>(r))
    .filter((r): r is fhir4.Observation => r?.resourceType === 'Observation' && !written.has(r));
  const bySpecimen = new Map<fhir4.Specimen, fhir4.Observation[]>(specimens.map((s) => [s, []]));
  const loose: fhir4.Observation[] = [];
  for (const result of results) {
    const specimen = specimens.find((s) => result.specimen?.reference === `Specimen/${s.id}`);
    if (specimen) bySpecimen.get(specimen)!.push(result);
    else loose.push(result);
  }
  const when = report.effectiveDateTime ?? report.effectivePeriod?.start;
  w.element('CompoundStatement', { classCode: 'CLUSTER', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(report));
    writeReportCode(w, report.code);
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', when);
    writeTs(w, 'availabilityTime', report.issued ?? when);
    ctx.writeConfidentiality(w, report);
    if (report.conclusion)
      inComponent(w, true, () =>
        writeNoteStatement(w, ctx, `conclusion:${report.id}`, report.conclusion!, when, report),
      );
    for (const [specimen, specimenResults] of bySpecimen) {
      written.add(specimen);
      inComponent(w, true, () => writeSpecimen(w, ctx, report, specimen, specimenResults, written));
    }
    for (const result of loose) {
      if (written.has(result)) continue;
      inComponent(w, true, () => writeObservationTree(w, ctx, result, written, true));
    }
    if (!report.conclusion && bySpecimen.size === 0 && loose.length === 0)
      writeEmpty(w, ctx, `report-empty:${report.id}`);
    writeParticipant(w, ctx, 'PRF', report.performer?.[0]);
  });
}
