// Runtime configuration, served beside the app and replaced per environment (one build for all).
// Dev defaults: the backend on the same origin and the dev/test identity provider on port 8080.
window.ENV = {
  API_URL: '/api/v1',
  OIDC_ISSUER_URL: 'http://localhost:8080/realms/reservations',
  OIDC_CLIENT_ID: 'reservation-frontend',
};
