import { Type, type Static, type TSchema } from 'typebox';
import { SafeString, SafeText } from '../../core/http/schemas.ts';

export { assertValid } from '../graphql/index.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const Name = SafeString({
  minLength: 1,
  maxLength: 100,
  pattern: '^(?!\\s)(?!.*\\s$)[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$',
});
const Species = SafeString({ minLength: 1, maxLength: 100 });
const Description = SafeText({ maxLength: 2000 });
const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
const Day = Type.String({ format: 'date', maxLength: 10 });

export const CreateAnimalInput = Type.Object({
  name: Name,
  species: Nullable(Species),
  birthDate: Nullable(Day),
  description: Nullable(Description),
  zooId: Nullable(Uuid),
});
export type CreateAnimalInput = Static<typeof CreateAnimalInput>;

export const UpdateAnimalInput = Type.Object({
  name: Type.Optional(Name),
  species: Nullable(Species),
  birthDate: Nullable(Day),
  description: Nullable(Description),
});
export type UpdateAnimalInput = Static<typeof UpdateAnimalInput>;

export const ZooInput = Type.Object({ name: Name });
export type ZooInput = Static<typeof ZooInput>;

export const FilterText = SafeString({ maxLength: 100 });
