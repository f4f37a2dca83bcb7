/**
 * The onboarding guide's example requests (complyadvantage-mesh-onboarding-guide.txt, Appendices B and E),
 * copied from the guide; only the external identifiers are made unique per run. (The guide's text shows
 * e-mail addresses as "[email protected]"; they are kept verbatim.)
 */

// Appendix B: the person and the company request carry the same address, configuration and monitoring.
const GUIDE_ADDRESS = {
  address_line_1: '123 Main Street',
  country_subdivision: 'New York',
  postal_code: '10001',
  country: 'US',
};
const GUIDE_SCREENING = {
  configuration: {
    screening_configuration_identifier: 'your-screening-config-id',
  },
  monitoring: {
    entity_screening: {
      enabled: true,
    },
  },
};

export const guidePersonRequest = (external: string) => ({
  customer: {
    external_identifier: external,
    person: {
      first_name: 'John',
      last_name: 'Smith',
    },
    date_of_birth: {
      day: 21,
      month: 10,
      year: 2000,
    },
    nationality: ['US'],
    email_address: '[email protected]',
    address: GUIDE_ADDRESS,
  },
  ...GUIDE_SCREENING,
});

export const guideCompanyRequest = (external: string) => ({
  customer: {
    external_identifier: external,
    company: {
      legal_name: 'Example Corp Inc',
    },
    registration_number: '12345678',
    address: GUIDE_ADDRESS,
  },
  ...GUIDE_SCREENING,
});

// Appendix E
export const GUIDE_UPDATE_REQUEST = {
  customer: {
    address: {
      address_line_1: '789 New Street',
      country_subdivision: 'London',
      postal_code: 'SW1A 1AA',
      country: 'GB',
    },
    email_address: '[email protected]',
  },
};
