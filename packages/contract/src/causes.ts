/**
 * The causes a charity or a project can declare: the one list, read by the server's schemas
 * and by the web app's filters and forms. Keys are stable; the web app translates them. No
 * TypeBox here, so the web app can import the list without the schema builder.
 */
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
