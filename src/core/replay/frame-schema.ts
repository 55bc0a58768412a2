/**
 * JSON schemas of the frames `render()` may return (types.ts: SceneFrame, TextFrame, RgbFrame) and a validator that
 * lists every problem with the path to it ("shapes[3].points: must have at least 2 items").
 *
 * RgbFrame's `data` is a Uint8Array, which JSON schema cannot describe: the schema checks the other fields and
 * {@link validateFrame} checks the bytes (a Uint8Array of width * height * channels).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

const finite = { type: "number" };
const point = { type: "array", items: finite, minItems: 2, maxItems: 2 };
const color = { type: "string", minLength: 1, maxLength: 200 };

/** Style fields every shape may carry. */
const styleProps = {
  fill: color,
  stroke: color,
  lineWidth: { type: "number", minimum: 0 },
  opacity: { type: "number", minimum: 0, maximum: 1 },
  transform: {
    type: "object",
    additionalProperties: false,
    properties: {
      translate: point,
      rotate: finite,
      scale: { anyOf: [finite, point] },
    },
  },
};

function shape(type: string, props: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    required: ["type", ...required],
    properties: { type: { const: type }, ...props, ...styleProps },
  };
}

/** JSON schema (draft-07) of a SceneFrame, with `SceneShape` under `definitions.shape` (groups nest). */
export const SCENE_FRAME_SCHEMA = {
  $id: "https://ppo-lab.dev/schemas/scene-frame.json",
  title: "PPO Lab scene frame",
  type: "object",
  additionalProperties: false,
  required: ["type", "width", "height", "shapes"],
  properties: {
    type: { const: "scene" },
    width: { type: "number", exclusiveMinimum: 0 },
    height: { type: "number", exclusiveMinimum: 0 },
    yUp: { type: "boolean" },
    background: color,
    shapes: { type: "array", items: { $ref: "#/definitions/shape" } },
  },
  definitions: {
    shape: {
      type: "object",
      required: ["type"],
      discriminator: { propertyName: "type" },
      oneOf: [
        shape("rect", { x: finite, y: finite, width: { type: "number", minimum: 0 }, height: { type: "number", minimum: 0 } }, ["x", "y", "width", "height"]),
        shape("circle", { x: finite, y: finite, radius: { type: "number", minimum: 0 } }, ["x", "y", "radius"]),
        shape("line", { points: { type: "array", items: point, minItems: 2 } }, ["points"]),
        shape("polygon", { points: { type: "array", items: point, minItems: 3 } }, ["points"]),
        shape(
          "text",
          { x: finite, y: finite, text: { type: "string" }, size: { type: "number", exclusiveMinimum: 0 }, align: { enum: ["left", "center", "right"] } },
          ["x", "y", "text"],
        ),
        shape("group", { shapes: { type: "array", items: { $ref: "#/definitions/shape" } } }, ["shapes"]),
      ],
    },
  },
} as const;

/** JSON schema of a RenderFrame (rgb `data` is checked outside the schema). */
export const RENDER_FRAME_SCHEMA = {
  $id: "https://ppo-lab.dev/schemas/render-frame.json",
  title: "PPO Lab render() frame",
  type: "object",
  required: ["type"],
  discriminator: { propertyName: "type" },
  oneOf: [
    { $ref: "https://ppo-lab.dev/schemas/scene-frame.json" },
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "text"],
      properties: { type: { const: "text" }, text: { type: "string" } },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "width", "height", "data"],
      properties: {
        type: { const: "rgb" },
        width: { type: "integer", minimum: 1 },
        height: { type: "integer", minimum: 1 },
        channels: { enum: [3, 4] },
        data: {},
      },
    },
  ],
} as const;

let validators: { scene: ValidateFunction; frame: ValidateFunction } | undefined;

function compiled(): { scene: ValidateFunction; frame: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true });
    ajv.addSchema(SCENE_FRAME_SCHEMA);
    validators = { scene: ajv.getSchema(SCENE_FRAME_SCHEMA.$id)!, frame: ajv.compile(RENDER_FRAME_SCHEMA) };
  }
  return validators;
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath
    ? e.instancePath
        .slice(1)
        .split("/")
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join("")
        .replace(/^\./, "")
    : "(frame)";
  if (e.keyword === "additionalProperties") return `${where}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === "discriminator") {
    const p = e.params as { tag?: string; tagValue?: unknown; error?: string };
    return `${where}: ${p.error === "mapping" ? `unknown type ${JSON.stringify(p.tagValue)}` : `"type" must be a string`}`;
  }
  if (e.keyword === "enum") return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return `${where}: ${e.message ?? "is invalid"}`;
}

/** Non-finite numbers anywhere in a scene (JSON schema's "number" lets NaN and Infinity through). */
function nonFinite(v: unknown, path: string, out: string[]): void {
  if (out.length >= 5) return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) out.push(`${path || "(frame)"}: ${v} is not a finite number`);
  } else if (Array.isArray(v)) v.forEach((x, i) => nonFinite(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) {
    for (const [k, x] of Object.entries(v)) nonFinite(x, path ? `${path}.${k}` : k, out);
  }
}

/**
 * Checks a value returned by `render()`.
 * @returns the problems found (at most a handful, each "path: what"), empty when the frame is valid
 */
export function validateFrame(frame: unknown): string[] {
  if (frame === null || typeof frame !== "object" || Array.isArray(frame)) {
    return [`(frame): expected an object { type: "scene" | "rgb" | "text", ... }, got ${frame === null ? "null" : Array.isArray(frame) ? "an array" : typeof frame}`];
  }
  const v = compiled().frame;
  const problems: string[] = [];
  if (!v(frame)) problems.push(...new Set((v.errors ?? []).filter((e) => e.keyword !== "oneOf").map(describeError)));
  const f = frame as { type?: unknown; width?: number; height?: number; channels?: number; data?: unknown };
  if (f.type === "rgb" && problems.length === 0) {
    const expected = (f.width ?? 0) * (f.height ?? 0) * (f.channels ?? 3);
    if (!(f.data instanceof Uint8Array || f.data instanceof Uint8ClampedArray)) problems.push(`data: must be a Uint8Array (or Uint8ClampedArray) of width * height * channels bytes`);
    else if (f.data.length !== expected) problems.push(`data: has ${f.data.length} bytes; ${f.width} x ${f.height} x ${f.channels ?? 3} needs ${expected}`);
  }
  if (f.type === "scene") nonFinite(frame, "", problems);
  return problems.slice(0, 8);
}

/** True when `frame` is a valid SceneFrame. */
export function isValidScene(frame: unknown): boolean {
  return compiled().scene(frame) as boolean;
}
