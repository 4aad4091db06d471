import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators. Bodies are checked strictly: no type coercion ("5" is not 5) and unknown
 * fields are an error, not silently dropped (Fastify's default strips them). Query strings
 * and path parameters arrive as text, so they are coerced to the declared types.
 */
function makeAjv(coerce: boolean) {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);

/** The check `format: 'uuid'` makes, for code that must decide before validation runs. */
export const isUuid = textAjv.compile<string>({ type: 'string', format: 'uuid' }) as (
  value: unknown,
) => value is string;
