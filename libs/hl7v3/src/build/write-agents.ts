import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { SDS_USER_ID_SYSTEM } from '../extract/agent-directory.js';
import { ODS_SYSTEM } from '../extract/finalize-record.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, type BuildContext } from './build-context.js';

function writeTelecom(w: XmlWriter, telecom: fhir4.ContactPoint[] | undefined, max: number): void {
  for (const t of (telecom ?? []).filter((c) => c.value).slice(0, max)) {
    const value = t.system === 'email' ? `mailto:${t.value}` : `tel:${t.value}`;
    w.empty('telecom', {
      value: value.replace(/\s+/g, ''),
      use: t.use === 'work' ? 'WP' : t.use === 'home' ? 'H' : undefined,
    });
  }
}

function writeAddress(w: XmlWriter, address: fhir4.Address | undefined): void {
  if (!address) return;
  const lines = [...(address.line ?? []), ...(address.city ? [address.city] : [])];
  if (lines.length === 0 && !address.postalCode) return;
  w.element('addr', address.use === 'work' ? { use: 'WP' } : undefined, () => {
    for (const line of lines) w.text('streetAddressLine', line);
    if (address.postalCode) w.text('postalCode', address.postalCode);
  });
}

function writeOrganisation(w: XmlWriter, element: string, organisation: fhir4.Organization): void {
  const ods = organisation.identifier?.find((i) => i.system === ODS_SYSTEM)?.value;
  w.element(element, { classCode: 'ORG', determinerCode: 'INSTANCE' }, () => {
    if (ods) writeId(w, OIDS.odsOrganization, ods);
    if (organisation.name) w.text('name', organisation.name);
    writeTelecom(w, organisation.telecom, 5);
    writeAddress(w, organisation.address?.[0]);
  });
}

function writeName(w: XmlWriter, name: fhir4.HumanName | undefined): void {
  if (!name) return;
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), ...(name.family ? [name.family] : [])];
  if (parts.length === 0) {
    if (name.text) w.text('name', name.text);
    return;
  }
  w.element('name', undefined, () => {
    for (const p of name.prefix ?? []) w.text('prefix', p);
    for (const g of name.given ?? []) w.text('given', g);
    if (name.family) w.text('family', name.family);
  });
}

/**
 * The organisation a role is held at: the practice, another organisation of the record (written by name, ODS code
 * and contact details, as GP2GP's `representedOrganization` allows), or one known only by its display name.
 */
function roleOrganisation(ctx: BuildContext, role: fhir4.PractitionerRole): fhir4.Organization | undefined {
  const reference = role.organization;
  if (!reference) return undefined;
  if (reference.reference === `Organization/${ctx.record.practice.id}`) return ctx.record.practice;
  const resolved = ctx.resolve<fhir4.Organization>(reference);
  if (resolved?.resourceType === 'Organization') return resolved;
  return reference.display ? { resourceType: 'Organization', name: reference.display } : undefined;
}

/**
 * The extract's agent directory: the sending practice as an organisation agent, then every practitioner (with the
 * role and organisation of their PractitionerRole when the record has one). Items name their authors by these ids.
 */
export function writeAgentDirectory(w: XmlWriter, ctx: BuildContext): void {
  const { record } = ctx;
  w.element('responsibleParty', { typeCode: 'RESP' }, () => {
    w.element('agentDirectory', { classCode: 'AGNT' }, () => {
      w.element('part', { typeCode: 'PART' }, () => {
        w.element('Agent', { classCode: 'AGNT' }, () => {
          writeId(w, ctx.practiceAgentId);
          writeOrganisation(w, 'agentOrganization', record.practice);
        });
      });
      for (const practitioner of record.practitioners) {
        if (!practitioner.id) continue;
        const roles = record.practitionerRoles.filter(
          (r) => r.practitioner?.reference === `Practitioner/${practitioner.id}`,
        );
        const role = roles[0];
        // An agent has one role and one organisation: any further role of the same person cannot travel.
        for (const other of roles.slice(1)) {
          ctx.onPartNotCarried(other, {
            kind: 'practitioner-role',
            detail: `second role of Practitioner/${practitioner.id}`,
          });
        }
        const organisation = role ? roleOrganisation(ctx, role) : undefined;
        if (role && !role.code?.[0] && !organisation) {
          ctx.onPartNotCarried(role, { kind: 'practitioner-role', detail: 'a role with no code and no organisation' });
        }
        const sds = practitioner.identifier?.find((i) => i.system === SDS_USER_ID_SYSTEM)?.value;
        w.element('part', { typeCode: 'PART' }, () => {
          w.element('Agent', { classCode: 'AGNT' }, () => {
            writeId(w, ctx.agentIds.get(`Practitioner/${practitioner.id}`)!);
            if (sds) writeId(w, OIDS.sdsUser, sds);
            if (role?.code?.[0]) writeConcept(w, 'code', role.code[0], { degraded: 'none', translations: false });
            w.element('agentPerson', { classCode: 'PSN', determinerCode: 'INSTANCE' }, () =>
              writeName(w, practitioner.name?.[0]),
            );
            if (organisation) writeOrganisation(w, 'representedOrganization', organisation);
          });
        });
      }
    });
  });
}
