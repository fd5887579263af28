import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number in [min, max]; the message says the allowed range. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `Use a whole number >= ${min}.`
          : `Use a whole number from ${min} to ${max}.`,
      );
    }
    return n;
  };
}

/** A commander parser for a number greater than 0 (rates, seconds with decimals). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('Use a number greater than 0.');
  return n;
}
