/**
 * The name tables show for a resource id: its last path segment (`/SUBSCRIPTIONS/.../COMMUNICATIONSERVICES/CONTOSO-ACS`
 * reads `CONTOSO-ACS`). An id without a slash is its own name.
 */
export function resourceShortName(resourceId: string): string {
  const segments = resourceId.split('/').filter((segment) => segment !== '');
  return segments[segments.length - 1] ?? resourceId;
}
