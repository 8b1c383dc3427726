// Holds values against scenarios/schema.json with Ajv (JSON Schema draft 2020-12), in
// strict mode: a keyword Ajv does not know is an error, so the schema cannot quietly use
// something no validator checks (strictRequired aside: the schema names a oneOf branch's
// required keys without repeating their definitions). Errors come back as `path: message`.
import { Ajv2020 } from 'ajv/dist/2020.js';

type Schema = Record<string, unknown>;

export function schemaValidator(schema: Schema): (value: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  const check = ajv.compile(schema);
  return (value) =>
    check(value)
      ? []
      : (check.errors ?? []).map(
          (e) => `${e.instancePath === '' ? '$' : e.instancePath}: ${e.message ?? e.keyword}`,
        );
}
