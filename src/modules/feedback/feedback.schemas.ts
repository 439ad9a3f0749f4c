import { Type, type Static } from 'typebox';
import { SafeString, SafeText } from '../../core/http/schemas.ts';
import { FEEDBACK_TYPES } from '../../db/schema/feedback.ts';

const Timestamp = Type.String({ format: 'date-time' });
export const MAX_FEEDBACK_PER_REQUEST = 100;
export const MAX_LIKED_GENRES = 100;

export const FeedbackInput = Type.Object(
  {
    item_id: Type.String({ format: 'uuid' }),
    type: Type.Enum(FEEDBACK_TYPES, { description: 'view | like | dislike | rating' }),
    value: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 5,
        description: 'The rating, 0..5: required for a rating, absent otherwise',
      }),
    ),
  },
  { $id: 'FeedbackInput', additionalProperties: false },
);
export type FeedbackInput = Static<typeof FeedbackInput>;

export const FeedbackBody = Type.Union([
  FeedbackInput,
  Type.Array(FeedbackInput, { minItems: 1, maxItems: MAX_FEEDBACK_PER_REQUEST }),
]);

export const FeedbackRecorded = Type.Object(
  { recorded: Type.Integer({ description: 'How many were recorded (all, or none on an error)' }) },
  { $id: 'FeedbackRecorded' },
);

export const Genre = SafeString({ minLength: 1, maxLength: 100 });
const Year = Type.Integer({ minimum: 0, maximum: 9999 });

export const BadRecommendationBody = Type.Object(
  {
    reasons: Type.Object(
      {
        genres: Type.Optional(Type.Array(Genre, { maxItems: 30, uniqueItems: true })),
        year: Type.Optional(
          Type.Union([
            Year,
            Type.Object(
              { from: Type.Optional(Year), to: Type.Optional(Year) },
              { additionalProperties: false },
            ),
          ]),
        ),
        text: Type.Optional(SafeText({ maxLength: 2000 })),
      },
      {
        additionalProperties: false,
        description: 'What made it a bad recommendation: lowered in your ranking',
      },
    ),
  },
  { $id: 'BadRecommendationRequest', additionalProperties: false },
);
export type BadRecommendationBody = Static<typeof BadRecommendationBody>;

export const BadRecommendation = Type.Object(
  {
    item_id: Type.String({ format: 'uuid' }),
    reasons: Type.Object({
      genres: Type.Optional(Type.Array(Type.String())),
      year: Type.Optional(
        Type.Object({ from: Type.Optional(Type.Integer()), to: Type.Optional(Type.Integer()) }),
      ),
      text: Type.Optional(Type.String()),
    }),
    created_at: Timestamp,
  },
  { $id: 'BadRecommendation' },
);

export const GenreParams = Type.Object({ genre: Genre });
export const LikedGenres = Type.Object({ genres: Type.Array(Type.String()) }, { $id: 'LikedGenres' });

export const FeedbackImportReport = Type.Object(
  {
    lines: Type.Integer({ description: 'Records read (the CSV header not counted)' }),
    recorded: Type.Integer(),
    rejected: Type.Integer(),
    errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() }), {
      description: 'The first 100 rejected lines and why',
    }),
  },
  { $id: 'FeedbackImportReport' },
);

export const ALL_SCHEMAS = [
  FeedbackInput,
  FeedbackRecorded,
  BadRecommendationBody,
  BadRecommendation,
  LikedGenres,
  FeedbackImportReport,
];
