/**
 * A hand-written EHR extract with one of each GP2GP statement shape, for unit tests of the parser. Ids are short
 * and meaningful so assertions read well; codes are real Read v2 / SNOMED codes.
 */
const SNOMED = '2.16.840.1.113883.2.1.3.2.4.15';
const READ = '2.16.840.1.113883.2.1.6.2';

const agentRef = (id: string): string => `<agentRef classCode="AGNT"><id root="${id}"/></agentRef>`;
const composition = (id: string, code: string, body: string, extra = ''): string => `
  <component typeCode="COMP"><ehrComposition classCode="COMPOSITION" moodCode="EVN">
    <id root="${id}"/>${code}<statusCode code="COMPLETE"/>
    <effectiveTime><center value="20190314103000"/></effectiveTime><availabilityTime value="20190314103000"/>${extra}
    <author typeCode="AUT" contextControlCode="OP"><time value="20190314110000"/>${agentRef('GP1')}</author>
    <location typeCode="LOC"><locatedEntity classCode="LOCE"><locatedPlace classCode="PLC" determinerCode="INSTANCE"><name>Main surgery</name></locatedPlace></locatedEntity></location>
    <Participant2 typeCode="PRF" contextControlCode="OP">${agentRef('GP1')}</Participant2>
    ${body}
  </ehrComposition></component>`;

const consultation = composition(
  'ENC1',
  `<code code="185316007" codeSystem="${SNOMED}" displayName="Indirect encounter"/>`,
  `
  <component typeCode="COMP"><ObservationStatement classCode="OBS" moodCode="EVN">
    <id root="OBS1"/><code code="2469." codeSystem="${READ}" displayName="O/E - Systolic BP reading"><translation code="271649006" codeSystem="${SNOMED}" displayName="Systolic blood pressure"/></code>
    <statusCode code="COMPLETE"/><effectiveTime><center value="20190314"/></effectiveTime><availabilityTime value="20190314"/>
    <value xsi:type="PQ" value="150.0" unit="mm[Hg]"><translation value="150"><originalText>mmHg</originalText></translation></value>
    <interpretationCode code="HI" codeSystem="2.16.840.1.113883.2.1.6.5" displayName="Above high reference limit"/>
    <pertinentInformation typeCode="PERT"><sequenceNumber value="1"/><pertinentAnnotation classCode="OBS" moodCode="EVN"><text>Repeat in a week</text></pertinentAnnotation></pertinentInformation>
    <referenceRange typeCode="REFV"><referenceInterpretationRange classCode="OBS" moodCode="EVN.CRT"><value><low value="90"/><high value="140"/></value></referenceInterpretationRange></referenceRange>
  </ObservationStatement></component>
  <component typeCode="COMP"><NarrativeStatement classCode="OBS" moodCode="EVN">
    <id root="NARR1"/><text>Patient feels well.</text><statusCode code="COMPLETE"/><availabilityTime value="201903141030"/>
  </NarrativeStatement></component>
  <component typeCode="COMP"><NarrativeStatement classCode="OBS" moodCode="EVN">
    <id root="DOC1"/><text>Letter from cardiology</text><statusCode code="COMPLETE"/><availabilityTime value="20190314103000"/>
    <reference typeCode="REFR"><referredToExternalDocument classCode="DOC" moodCode="EVN"><id root="_ABCDEF01-0000-4000-8000-000000000001"/>
      <code code="37251000000104" codeSystem="${SNOMED}" displayName="Other digital signal"/>
      <text mediaType="application/pdf"><reference value="file://localhost/ABCDEF01_letter.pdf"/></text></referredToExternalDocument></reference>
  </NarrativeStatement></component>
  <component typeCode="COMP"><CompoundStatement classCode="CATEGORY" moodCode="EVN">
    <id root="ALLCAT1"/><code code="14L..00" codeSystem="${READ}" displayName="H/O: drug allergy"/><statusCode code="COMPLETE"/>
    <effectiveTime><low value="2001"/><high value="2010"/></effectiveTime><availabilityTime value="20190314"/>
    <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
      <id root="ALL1"/><code code="TJ00300" codeSystem="${READ}" displayName="Adverse reaction to amoxycillin"><translation code="292967008" codeSystem="${SNOMED}"/></code>
      <statusCode code="COMPLETE"/><effectiveTime><low value="2001"/><high value="2010"/></effectiveTime><availabilityTime value="20190314"/>
    </ObservationStatement></component>
  </CompoundStatement></component>
  <component typeCode="COMP"><CompoundStatement classCode="CATEGORY" moodCode="EVN">
    <id root="ALLCAT2"/><code code="SN53.00" codeSystem="${READ}" displayName="Allergy, unspecified"/><statusCode code="COMPLETE"/>
    <effectiveTime><center value="2015"/></effectiveTime><availabilityTime value="20190314"/>
    <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
      <id root="ALL2"/><code code="91935009" codeSystem="${SNOMED}" displayName="Peanut allergy"/>
      <statusCode code="COMPLETE"/><effectiveTime><center value="2015"/></effectiveTime><availabilityTime value="20190314"/>
    </ObservationStatement></component>
  </CompoundStatement></component>
  <component typeCode="COMP"><ObservationStatement classCode="OBS" moodCode="EVN">
    <id root="PROB-OBS"/><code code="H33.." codeSystem="${READ}" displayName="Asthma"/>
    <statusCode code="COMPLETE"/><effectiveTime><center value="200506"/></effectiveTime><availabilityTime value="20190314"/>
  </ObservationStatement></component>
  <component typeCode="COMP"><LinkSet classCode="OBS" moodCode="EVN">
    <id root="PROB1"/><code code="394774009" codeSystem="${SNOMED}" displayName="Active problem"><qualifier inverted="false"><name code="386134007" codeSystem="${SNOMED}" displayName="Significant"/></qualifier></code>
    <statusCode code="COMPLETE"/><effectiveTime><low value="200506"/></effectiveTime><availabilityTime value="20190314"/>
    <component typeCode="COMP"><statementRef classCode="OBS" moodCode="EVN"><id root="OBS1"/></statementRef></component>
    <component typeCode="COMP"><statementRef classCode="OBS" moodCode="EVN"><id root="MISSING"/></statementRef></component>
    <conditionNamed typeCode="NAME" inversionInd="true"><namedStatementRef classCode="OBS" moodCode="EVN"><id root="PROB-OBS"/></namedStatementRef></conditionNamed>
  </LinkSet></component>
  <component typeCode="COMP"><PlanStatement classCode="OBS" moodCode="INT">
    <id root="PLAN1"/><code code="390906007" codeSystem="${SNOMED}" displayName="Follow-up encounter"/><text>Review asthma</text>
    <statusCode code="ACTIVE"/><effectiveTime><center value="20190601"/></effectiveTime><availabilityTime value="20190314"/>
  </PlanStatement></component>
  <component typeCode="COMP"><RequestStatement classCode="OBS" moodCode="RQO">
    <id root="REF1"/><code code="8H54.00" codeSystem="${READ}" displayName="Orthopaedic referral"/><text>Knee pain</text>
    <statusCode code="COMPLETE"/><effectiveTime><center nullFlavor="NI"/></effectiveTime><availabilityTime value="20190314"/>
    <priorityCode code="394849002" codeSystem="${SNOMED}" displayName="High priority"/>
    <responsibleParty typeCode="RESP">${agentRef('GP1')}</responsibleParty>
  </RequestStatement></component>
  <component typeCode="COMP"><ObservationStatement classCode="OBS" moodCode="EVN">
    <id root="IMM1"/><code code="65E..00" codeSystem="${READ}" displayName="Influenza vaccination"/>
    <statusCode code="COMPLETE"/><effectiveTime><center value="20181010"/></effectiveTime><availabilityTime value="20181010"/>
  </ObservationStatement></component>
  <component typeCode="COMP"><CompoundStatement classCode="BATTERY" moodCode="EVN">
    <id root="BP1"/><code code="246..00" codeSystem="${READ}" displayName="O/E - blood pressure reading"/><statusCode code="COMPLETE"/>
    <effectiveTime><center value="20190314"/></effectiveTime><availabilityTime value="20190314"/>
    <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
      <id root="BP-SYS"/><code code="2469." codeSystem="${READ}"/><statusCode code="COMPLETE"/><effectiveTime><center value="20190314"/></effectiveTime><availabilityTime value="20190314"/>
      <value xsi:type="PQ" value="130" unit="1"><translation value="130"><originalText>mmHg</originalText></translation></value>
    </ObservationStatement></component>
    <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
      <id root="BP-DIA"/><code code="246A." codeSystem="${READ}"/><statusCode code="COMPLETE"/><effectiveTime><center value="20190314"/></effectiveTime><availabilityTime value="20190314"/>
      <value xsi:type="PQ" value="85" unit="1"/>
    </ObservationStatement></component>
    <component typeCode="COMP" contextConductionInd="true"><NarrativeStatement classCode="OBS" moodCode="EVN"><id root="BP-NOTE"/><text>Sitting</text><statusCode code="COMPLETE"/><availabilityTime value="20190314"/></NarrativeStatement></component>
  </CompoundStatement></component>
  <component typeCode="COMP"><ObservationStatement classCode="OBS" moodCode="EVN">
    <id root="DEG1"/><code code="196411000000103" codeSystem="${SNOMED}" displayName="Transfer-degraded record entry"><originalText>Practice special code</originalText><translation code="EMIS1" codeSystem="2.16.840.1.113883.2.1.6.3" displayName="Practice special code"/></code>
    <statusCode code="COMPLETE"/><effectiveTime><center value="2019"/></effectiveTime><availabilityTime value="2019"/>
  </ObservationStatement></component>`,
  `<confidentialityCode code="NOPAT" codeSystem="2.16.840.1.113883.4.642.3.47"/>`,
);

const consumable = `<consumable typeCode="CSM"><manufacturedProduct classCode="MANU"><manufacturedMaterial classCode="MMAT" determinerCode="KIND">
  <code code="322236009" codeSystem="${SNOMED}" displayName="Paracetamol 500mg tablets"/></manufacturedMaterial></manufacturedProduct></consumable>`;

const authorisation = composition(
  'MEDCOMP1',
  `<code code="196391000000103" codeSystem="${SNOMED}" displayName="Non-consultation medication data"/>`,
  `<component typeCode="COMP"><MedicationStatement classCode="SBADM" moodCode="INT">
    <id root="MS1"/><statusCode code="ACTIVE"/><effectiveTime><low value="20190101"/><high value="20191231"/></effectiveTime><availabilityTime value="20190101"/>
    ${consumable}
    <component typeCode="COMP"><ehrSupplyAuthorise classCode="SPLY" moodCode="INT">
      <id root="AUTH1"/><code code="394823007" codeSystem="${SNOMED}" displayName="NHS Prescription"/><statusCode code="ACTIVE"/>
      <availabilityTime value="20190101"/><repeatNumber value="6"/>
      <quantity value="32" unit="1"><translation value="32"><originalText>tablet</originalText></translation></quantity>
      <pertinentInformation typeCode="PERT"><pertinentSupplyAnnotation classCode="OBS" moodCode="EVN"><text>Take with food</text></pertinentSupplyAnnotation></pertinentInformation>
    </ehrSupplyAuthorise></component>
    <component typeCode="COMP"><ehrSupplyDiscontinue classCode="SPLY" moodCode="RQO">
      <id root="DISC1"/><code nullFlavor="UNK"><originalText>Course complete</originalText></code><statusCode code="COMPLETE"/><availabilityTime value="20191231"/>
      <reversalOf typeCode="REV"><priorMedicationRef classCode="SBADM" moodCode="INT"><id root="AUTH1"/></priorMedicationRef></reversalOf>
    </ehrSupplyDiscontinue></component>
    <pertinentInformation typeCode="PERT"><pertinentMedicationDosage classCode="SBADM" moodCode="RMD"><text>Two tablets four times a day</text></pertinentMedicationDosage></pertinentInformation>
    <Participant typeCode="AUT" contextControlCode="OP">${agentRef('GP1')}</Participant>
  </MedicationStatement></component>`,
);

const issue = composition(
  'MEDCOMP2',
  `<code code="196391000000103" codeSystem="${SNOMED}" displayName="Non-consultation medication data"/>`,
  `<component typeCode="COMP"><MedicationStatement classCode="SBADM" moodCode="ORD">
    <id root="MS2"/><statusCode code="COMPLETE"/><effectiveTime><center nullFlavor="NI"/></effectiveTime><availabilityTime value="20190201"/>
    ${consumable}
    <component typeCode="COMP"><ehrSupplyPrescribe classCode="SPLY" moodCode="RQO">
      <id root="ISSUE1"/><code code="394823007" codeSystem="${SNOMED}" displayName="NHS Prescription"/><statusCode code="COMPLETE"/><availabilityTime value="20190201"/>
      <quantity value="32" unit="1"/>
      <inFulfillmentOf typeCode="FLFS"><priorMedicationRef classCode="SBADM" moodCode="INT"><id root="AUTH1"/></priorMedicationRef></inFulfillmentOf>
    </ehrSupplyPrescribe></component>
  </MedicationStatement></component>`,
);

const report = composition(
  'LABCOMP',
  `<code code="24591000000103" codeSystem="${SNOMED}" displayName="Other report"/>`,
  `<component typeCode="COMP"><CompoundStatement classCode="CLUSTER" moodCode="EVN">
    <id root="REPORT1"/><code code="16488004" codeSystem="${SNOMED}" displayName="laboratory reporting"><originalText>Filed Report</originalText></code>
    <statusCode code="COMPLETE"/><effectiveTime><center nullFlavor="NI"/></effectiveTime><availabilityTime value="20190320101500"/>
    <component typeCode="COMP" contextConductionInd="true"><NarrativeStatement classCode="OBS" moodCode="EVN"><id root="RN1"/><text>Report comment</text><statusCode code="COMPLETE"/><availabilityTime value="20190320"/></NarrativeStatement></component>
    <component typeCode="COMP" contextConductionInd="true"><CompoundStatement classCode="CLUSTER" moodCode="EVN">
      <id root="SPEC-CS"/><code code="123038009" codeSystem="${SNOMED}" displayName="specimen (specimen)"/><statusCode code="COMPLETE"/>
      <effectiveTime><center nullFlavor="NI"/></effectiveTime><availabilityTime value="20190320"/>
      <specimen typeCode="SPC"><specimenRole classCode="SPEC"><id root="SPEC1"/><id root="2.16.840.1.113883.2.1.4.5.2" extension="LAB-123"/>
        <effectiveTime><center value="20190318"/></effectiveTime><specimenSpecimenMaterial classCode="MAT" determinerCode="INSTANCE"><desc>Venous blood</desc></specimenSpecimenMaterial></specimenRole></specimen>
      <component typeCode="COMP" contextConductionInd="true"><NarrativeStatement classCode="OBS" moodCode="EVN"><id root="SN1"/><text>Received late</text><statusCode code="COMPLETE"/><availabilityTime value="20190320"/></NarrativeStatement></component>
      <component typeCode="COMP" contextConductionInd="true"><CompoundStatement classCode="CLUSTER" moodCode="EVN">
        <id root="NA-CLUSTER"/><code code="1000661000000107" codeSystem="${SNOMED}" displayName="Serum sodium level"/><statusCode code="COMPLETE"/>
        <effectiveTime><center value="20190318"/></effectiveTime><availabilityTime value="20190318"/>
        <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
          <id root="NA1"/><code code="1000661000000107" codeSystem="${SNOMED}" displayName="Serum sodium level"/><statusCode code="COMPLETE"/>
          <effectiveTime><center value="20190318"/></effectiveTime><availabilityTime value="20190318"/>
          <value xsi:type="PQ" value="139" unit="mmol/L"/>
        </ObservationStatement></component>
        <component typeCode="COMP" contextConductionInd="true"><NarrativeStatement classCode="OBS" moodCode="EVN"><id root="NA-NOTE"/><text>Haemolysed</text><statusCode code="COMPLETE"/><availabilityTime value="20190318"/></NarrativeStatement></component>
      </CompoundStatement></component>
      <component typeCode="COMP" contextConductionInd="true"><CompoundStatement classCode="BATTERY" moodCode="EVN">
        <id root="FBC"/><code code="26604007" codeSystem="${SNOMED}" displayName="Full blood count"/><statusCode code="COMPLETE"/>
        <effectiveTime><center value="20190318"/></effectiveTime><availabilityTime value="20190318"/>
        <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
          <id root="HB"/><code code="1022431000000105" codeSystem="${SNOMED}" displayName="Haemoglobin estimation"/><statusCode code="COMPLETE"/>
          <effectiveTime><center value="20190318"/></effectiveTime><availabilityTime value="20190318"/><value xsi:type="PQ" value="135" unit="g/L"/>
        </ObservationStatement></component>
        <component typeCode="COMP" contextConductionInd="true"><ObservationStatement classCode="OBS" moodCode="EVN">
          <id root="WBC"/><code code="1022541000000102" codeSystem="${SNOMED}" displayName="Total white cell count"/><statusCode code="COMPLETE"/>
          <effectiveTime><center value="20190318"/></effectiveTime><availabilityTime value="20190318"/><value xsi:type="PQ" value="6.1" unit="10*9/L"/>
        </ObservationStatement></component>
      </CompoundStatement></component>
    </CompoundStatement></component>
  </CompoundStatement></component>`,
);

const withdrawn = composition(
  'EMPTYCOMP',
  `<code code="24591000000103" codeSystem="${SNOMED}" displayName="Other report"/>`,
  `<component typeCode="COMP"><EhrEmpty classCode="OBS" moodCode="EVN"><id root="E1"/></EhrEmpty></component>`,
);

/** The fixture: an `RCMR_IN030000UK06` message from practice A12345 about patient 9990000034. */
export const FIXTURE_EXTRACT = `<?xml version="1.0" encoding="UTF-8"?>
<RCMR_IN030000UK06 xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <id root="MSG1"/><creationTime value="20190401120000"/><versionCode code="V3NPfIT3.1.10"/>
  <interactionId root="2.16.840.1.113883.2.1.3.2.4.12" extension="RCMR_IN030000UK06"/>
  <processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="NE"/>
  <communicationFunctionRcv typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.2.0.107" extension="222"/></device></communicationFunctionRcv>
  <communicationFunctionSnd typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.2.0.107" extension="111"/></device></communicationFunctionSnd>
  <ControlActEvent classCode="CACT" moodCode="EVN"><author1 typeCode="AUT"><AgentSystemSDS classCode="AGNT"><agentSystemSDS classCode="DEV" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.2.0.107" extension="111"/></agentSystemSDS></AgentSystemSDS></author1>
  <subject typeCode="SUBJ" contextConductionInd="false"><EhrExtract classCode="EXTRACT" moodCode="EVN">
    <id root="EXTRACT1"/><statusCode code="COMPLETE"/><availabilityTime value="20190401120000"/>
    <recordTarget typeCode="RCT"><patient classCode="PAT"><id root="2.16.840.1.113883.2.1.4.1" extension="9990000034"/></patient></recordTarget>
    <author typeCode="AUT"><time value="20190401120000"/><AgentOrgSDS classCode="AGNT"><agentOrganizationSDS classCode="ORG" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.1.10" extension="A12345"/></agentOrganizationSDS></AgentOrgSDS></author>
    <destination typeCode="DST"><AgentOrgSDS classCode="AGNT"><agentOrganizationSDS classCode="ORG" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.1.10" extension="B67890"/></agentOrganizationSDS></AgentOrgSDS></destination>
    <component typeCode="COMP"><ehrFolder classCode="FOLDER" moodCode="EVN">
      <id root="FOLDER1"/><statusCode code="COMPLETE"/><effectiveTime><low value="2001"/></effectiveTime><availabilityTime value="20190401120000"/>
      <author typeCode="AUT"><time value="20190401120000"/><AgentOrgSDS classCode="AGNT"><agentOrganizationSDS classCode="ORG" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.1.10" extension="A12345"/></agentOrganizationSDS></AgentOrgSDS></author>
      <responsibleParty typeCode="RESP"><agentDirectory classCode="AGNT">
        <part typeCode="PART"><Agent classCode="AGNT"><id root="ORG1"/><agentOrganization classCode="ORG" determinerCode="INSTANCE"><id root="2.16.840.1.113883.2.1.4.3" extension="A12345"/><name>The Surgery</name><telecom value="tel:01131234567" use="WP"/><addr use="WP"><streetAddressLine>1 High Street</streetAddressLine><postalCode>LS1 1AA</postalCode></addr></agentOrganization></Agent></part>
        <part typeCode="PART"><Agent classCode="AGNT"><id root="GP1"/><id root="2.16.840.1.113883.2.1.4.2" extension="G1234567"/><code nullFlavor="UNK"><originalText>General Medical Practitioner</originalText></code>
          <agentPerson classCode="PSN" determinerCode="INSTANCE"><name><prefix>Dr</prefix><given>Ann</given><family>Jones</family></name></agentPerson>
          <representedOrganization classCode="ORG" determinerCode="INSTANCE"><id root="2.16.840.1.113883.2.1.4.3" extension="A12345"/><name>The Surgery</name></representedOrganization></Agent></part>
        <part typeCode="PART"><Agent classCode="AGNT"><id root="DEV1"/><agentDevice classCode="DEV" determinerCode="INSTANCE"><softwareName>GP System</softwareName></agentDevice></Agent></part>
      </agentDirectory></responsibleParty>
      ${consultation}${authorisation}${issue}${report}${withdrawn}
    </ehrFolder></component>
    <inFulfillmentOf typeCode="FLFS"><priorEhrRequest classCode="EXTRACT" moodCode="RQO"><id root="REQ1"/></priorEhrRequest></inFulfillmentOf>
    <limitation typeCode="LIMIT" inversionInd="true"><limitingEhrExtractSpecification classCode="OBS" moodCode="DEF"><id root="LIM1"/><code code="37241000000102" codeSystem="${SNOMED}"/></limitingEhrExtractSpecification></limitation>
  </EhrExtract></subject></ControlActEvent>
</RCMR_IN030000UK06>`;
