/**
 * Exact decimal arithmetic for invoice amounts: a value is an integer (bigint) of units of 10^-scale, so sums and
 * products never drift the way binary floats do (0.1 + 0.2). Only what the amount checks need.
 */
const POW10: bigint[] = [1n];
for (let i = 1; i <= 64; i++) POW10.push(POW10[i - 1]! * 10n);

function pow10(n: number): bigint {
  return n < POW10.length ? POW10[n]! : 10n ** BigInt(n);
}

export class Dec {
  private constructor(readonly units: bigint, readonly scale: number) {}

  static readonly ZERO = new Dec(0n, 0);

  /** Parses an xs:decimal lexical value (surrounding XML white space allowed); undefined when it is not one. */
  static parse(text: string): Dec | undefined {
    const m = /^[ \t\r\n]*([+-]?)(\d*)(?:\.(\d*))?[ \t\r\n]*$/.exec(text);
    if (!m) return undefined;
    const int = m[2] ?? '';
    const frac = m[3] ?? '';
    if (int === '' && frac === '') return undefined;
    const units = BigInt((int || '0') + frac);
    return new Dec(m[1] === '-' ? -units : units, frac.length);
  }

  static of(units: bigint, scale: number): Dec {
    return new Dec(units, scale);
  }

  private at(scale: number): bigint {
    return scale === this.scale ? this.units : this.units * pow10(scale - this.scale);
  }

  add(o: Dec): Dec {
    if (o.units === 0n) return this;
    if (this.units === 0n) return o;
    const s = Math.max(this.scale, o.scale);
    return new Dec(this.at(s) + o.at(s), s);
  }

  sub(o: Dec): Dec {
    if (o.units === 0n) return this;
    const s = Math.max(this.scale, o.scale);
    return new Dec(this.at(s) - o.at(s), s);
  }

  mul(o: Dec): Dec {
    return new Dec(this.units * o.units, this.scale + o.scale);
  }

  neg(): Dec {
    return new Dec(-this.units, this.scale);
  }

  abs(): Dec {
    return this.units < 0n ? this.neg() : this;
  }

  cmp(o: Dec): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.at(s);
    const b = o.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(o: Dec): boolean {
    return this.cmp(o) === 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  /** Digits after the point as written, trailing zeros ignored (1.50 has 1). */
  get decimals(): number {
    let u = this.units < 0n ? -this.units : this.units;
    let s = this.scale;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    return s;
  }

  toString(): string {
    const neg = this.units < 0n;
    let digits = (neg ? -this.units : this.units).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    digits = digits.padStart(this.scale + 1, '0');
    const int = digits.slice(0, digits.length - this.scale);
    let frac = digits.slice(digits.length - this.scale).replace(/0+$/, '');
    if (frac.length < 2) frac = frac.padEnd(2, '0');
    return `${neg ? '-' : ''}${int}.${frac}`;
  }
}

export function sum(values: Iterable<Dec>): Dec {
  let total = Dec.ZERO;
  for (const v of values) total = total.add(v);
  return total;
}

/** One kuruş (0.01): the gateway's rounding tolerance, see amounts.ts. */
export const KURUS = Dec.of(1n, 2);
