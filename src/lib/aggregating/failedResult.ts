/** An operation failed when its ResultType is not `Succeeded` (any case) or its ResultSignature is 400 or more. */
export function isFailedResult(resultType: string | null, resultSignature: string | null): boolean {
  if (resultType !== null && resultType !== 'Succeeded' && resultType.toLowerCase() !== 'succeeded') return true;
  const status = resultSignature === null ? NaN : Number(resultSignature);
  return Number.isFinite(status) && status >= 400;
}
