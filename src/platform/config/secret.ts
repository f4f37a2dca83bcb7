import { inspect } from 'node:util';

/**
 * A credential that cannot leak by accident: printing, logging, string interpolation and JSON all
 * show `[redacted]`. Only the token provider calls `reveal()`, to build the token request body.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
