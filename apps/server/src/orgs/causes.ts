/** The causes a charity can declare. Keys are stable; the web app translates them. */
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
