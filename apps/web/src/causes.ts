/** The causes a charity can declare; the keys are the API's, the labels come from i18n. */
export const causes = [
  'education',
  'poverty',
  'health',
  'children',
  'elderly',
  'disability',
  'environment',
  'disaster_relief',
  'animals',
  'culture',
  'community',
  'other',
] as const;

export type Cause = (typeof causes)[number];
