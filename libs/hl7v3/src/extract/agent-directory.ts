import { parseConcept } from '../datatypes/codeable-concept.js';
import { OIDS } from '../datatypes/code-systems.js';
import { attr, child, childText, children, deepText, type XNode } from '../xml/xml-tree.js';
import type { ParseContext } from './parse-context.js';
import { put } from './statement-common.js';

export const SDS_USER_ID_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';

/** Organisation details collected from the directory for the practice Organization. */
export interface PracticeDetails {
  name?: string;
  telecom?: fhir4.ContactPoint[];
  address?: fhir4.Address[];
}

function humanName(node: XNode | undefined): fhir4.HumanName | undefined {
  if (!node) return undefined;
  const name: fhir4.HumanName = {};
  const prefix = children(node, 'prefix')
    .map((p) => deepText(p).trim())
    .filter(Boolean);
  const given = children(node, 'given')
    .map((g) => deepText(g).trim())
    .filter(Boolean);
  put(name, 'prefix', prefix);
  put(name, 'given', given);
  put(name, 'family', childText(node, 'family'));
  if (!name.family && given.length === 0) put(name, 'text', node.text.trim() || undefined);
  return Object.keys(name).length > 0 ? name : undefined;
}

export function parseTelecom(node: XNode): fhir4.ContactPoint | undefined {
  const value = attr(node, 'value');
  if (!value) return undefined;
  const use = attr(node, 'use');
  const contact: fhir4.ContactPoint = value.startsWith('mailto:')
    ? { system: 'email', value: value.slice('mailto:'.length) }
    : { system: 'phone', value: value.replace(/^tel:/, '') };
  if (use === 'WP') contact.use = 'work';
  else if (use === 'H' || use === 'HP') contact.use = 'home';
  else if (use === 'MC') contact.use = 'mobile';
  return contact;
}

export function parseAddress(node: XNode | undefined): fhir4.Address | undefined {
  if (!node) return undefined;
  const address: fhir4.Address = {};
  if (attr(node, 'use') === 'WP') address.use = 'work';
  put(
    address,
    'line',
    children(node, 'streetAddressLine')
      .map((l) => deepText(l).trim())
      .filter(Boolean),
  );
  put(address, 'postalCode', childText(node, 'postalCode'));
  return Object.keys(address).length > 0 ? address : undefined;
}

function organisationDetails(node: XNode): PracticeDetails {
  const details: PracticeDetails = {};
  put(details, 'name', childText(node, 'name'));
  put(
    details,
    'telecom',
    children(node, 'telecom')
      .map(parseTelecom)
      .filter((t): t is fhir4.ContactPoint => !!t),
  );
  const address = parseAddress(child(node, 'addr'));
  if (address) details.address = [address];
  return details;
}

function odsOf(node: XNode | undefined): string | undefined {
  return attr(child(node, 'id'), 'extension')?.trim();
}

/**
 * Reads the extract's `agentDirectory`: people become Practitioners (and a PractitionerRole when a role or
 * organisation is given), the sending practice's own organisation agent fills in the practice, devices and other
 * organisations are kept as named references. Returns what was learnt about the practice.
 */
export function readAgentDirectory(ctx: ParseContext, directory: XNode): PracticeDetails {
  let practice: PracticeDetails = {};
  const representedNames = new Map<string, number>();
  for (const part of children(directory, 'part')) {
    const agent = child(part, 'Agent');
    const agentId = attr(child(agent, 'id'), 'root')?.trim();
    if (!agent || !agentId) {
      ctx.skip('agentDirectory/part');
      continue;
    }
    const person = child(agent, 'agentPerson');
    const organisation = child(agent, 'agentOrganization');
    const device = child(agent, 'agentDevice');
    if (person) {
      const id = ctx.uniqueId('Practitioner', agentId, `practitioner-${ctx.practitioners.length}`);
      const practitioner: fhir4.Practitioner = { resourceType: 'Practitioner', id };
      const sds = children(agent, 'id').find((i) => attr(i, 'root') === OIDS.sdsUser);
      const sdsId = attr(sds, 'extension');
      if (sdsId) practitioner.identifier = [{ system: SDS_USER_ID_SYSTEM, value: sdsId }];
      const name = humanName(child(person, 'name'));
      if (name) practitioner.name = [name];
      ctx.practitioners.push(practitioner);
      ctx.agents.set(agentId, { kind: 'person', reference: { reference: `Practitioner/${id}` } });
      const represented = child(agent, 'representedOrganization');
      const representedName = childText(represented, 'name');
      if (representedName) representedNames.set(representedName, (representedNames.get(representedName) ?? 0) + 1);
      const role = parseConcept(child(agent, 'code'));
      const worksForPractice =
        represented !== undefined &&
        (odsOf(represented) === ctx.practiceOds ||
          (representedName !== undefined && representedName === ctx.practiceName));
      const elsewhere = represented !== undefined && !worksForPractice;
      if (role || worksForPractice || elsewhere) {
        const practitionerRole: fhir4.PractitionerRole = {
          resourceType: 'PractitionerRole',
          id,
          practitioner: { reference: `Practitioner/${id}` },
        };
        if (worksForPractice) practitionerRole.organization = { reference: `Organization/${ctx.practiceId}` };
        // Another organisation is kept by name, as other organisation agents are.
        else if (elsewhere)
          practitionerRole.organization = { display: representedName ?? odsOf(represented) ?? 'Organisation' };
        if (role) practitionerRole.code = [role];
        ctx.practitionerRoles.push(practitionerRole);
      }
      if (worksForPractice && !practice.name) practice = { ...organisationDetails(represented), ...practice };
    } else if (organisation) {
      const ods = odsOf(organisation);
      const details = organisationDetails(organisation);
      if (!ctx.practiceOds || ods === ctx.practiceOds) {
        practice = { ...practice, ...details };
        ctx.agents.set(agentId, { kind: 'organization', reference: { reference: `Organization/${ctx.practiceId}` } });
      } else {
        ctx.agents.set(agentId, {
          kind: 'organization',
          reference: { display: details.name ?? ods ?? 'Organisation' },
        });
      }
    } else if (device) {
      const name = childText(device, 'softwareName') ?? childText(device, 'name') ?? 'GP system';
      ctx.agents.set(agentId, { kind: 'device', reference: { display: name } });
    } else {
      ctx.skip('agentDirectory/Agent(unknown kind)');
    }
  }
  if (!practice.name && representedNames.size > 0) {
    practice.name = [...representedNames].sort((a, b) => b[1] - a[1])[0]![0];
  }
  return practice;
}
