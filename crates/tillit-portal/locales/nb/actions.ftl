# Historikken, norsk bokmål: en etikett for hver loggførte handling (`card.handed_out` blir
# `action-card-handed_out`: Fluent-id-er kan ikke inneholde punktum) og for hver status.

## Loggførte handlinger

action-card-order_basis_created = Bestillingsgrunnlag for kort opprettet
action-card-ordered = Kort bestilt
action-card-added_to_batch = Kortbestilling lagt i en forsendelse
action-card-sent = Kortbestilling sendt til kortleverandøren
action-card-batch_sent = Forsendelse med kortbestillinger sendt
action-card-delivered = Kort levert til RA
action-card-handed_out = Kort utlevert
action-card-in_use = Kort i bruk
action-card-claimed = Kort reklamert
action-card-replacement_ordered = Erstatningskort bestilt
action-card-returned = Kort levert inn
action-card-deregistered = Kort avregistrert
action-card-destroyed = Kort makulert
action-card-moved = Kort flyttet til en annen enhet
action-credential-order_basis_created = Bestillingsgrunnlag for e-tjenestelegitimasjon opprettet
action-credential-issued = E-tjenestelegitimasjon utstedt
action-credential-revoked = E-tjenestelegitimasjon sperret
action-credential-receipt_signed = Kvittering signert av kortinnehaveren
action-credential-expired = E-tjenestelegitimasjon utløpt
action-credential-renewal_notice_requested = Varsel om utløp til kortinnehaveren bestilt
action-credential-name_mismatch_resolved = Navneavvik løst
action-credential-card_replacement_requested = Nytt kort bestilt etter navneavvik
action-person-registered = Person registrert
action-person-updated = Personopplysninger endret
action-person-employment_recorded = Ansettelse registrert
action-person-employment_ended = Ansettelse avsluttet
action-person-name_checked = Navn kontrollert mot folkeregisteret
action-person-hsa_id_allocated = HSA-id tildelt
action-person-removed = Person fjernet
action-proofing-accepted = Identitet bekreftet
action-proofing-rejected = Søker avvist
action-puk-ordered = PUK-kode bestilt
action-puk-sent = PUK-brev sendt
action-puk-delivered = PUK-brev mottatt
action-puk-returned = PUK-brev kom i retur
action-puk-wrong_entry = Feil PUK-kode tastet inn
action-puk-card_locked = Kort låst etter feil PUK-koder
action-puk-entries_reset = Feil PUK-forsøk nullstilt
action-reserve-bundle_ordered = Bunt med reservekort bestilt
action-reserve-bundle_received = Bunt med reservekort mottatt
action-reserve-stocked = Reservekort lagt på lager
action-reserve-low_stock = Lite igjen av reservekort
action-reserve-handed_out = Reservekort utlevert
action-reserve-reused = Reservekort gjenbrukt
action-reserve-discarded = Reservekort kassert
action-reserve-returned = Reservekort levert inn
action-reserve-deregistered = Reservekort avregistrert
action-reserve-destroyed = Reservekort makulert
action-reserve-co_signed = Reservekort medsignert av en saksbehandler til
action-revocation-requested = Sperring anmodet
action-revocation-credential_requested = Sperring av e-tjenestelegitimasjon bestilt
action-revocation-card_deregistration_requested = Avregistrering av kort bestilt
action-revocation-police_report_instructed = Kortinnehaveren bedt om å kontakte politiet
action-revocation-notification_requested = Varsling om sperring bestilt
action-revocation-rights_revocation_requested = Sperring av rettigheter bestilt
action-revocation-checked = Sperring kontrollert
action-role-granted = Rolle tildelt
action-role-removed = Rolle fjernet
action-role-review_required = Rettigheter må gjennomgås etter omorganisering
action-audit-key_registered = Loggens signeringsnøkkel registrert
action-ca-created = Sertifikatutsteder (CA) opprettet
action-ca-imported = Sertifikatutsteder (CA) importert
action-certificate-issued = Sertifikat utstedt
action-certificate-revoked = Sertifikat sperret
action-crl-published = Sperreliste (CRL) publisert
action-hr-imported = HR-fil lest inn
action-hr-employments_ended = Ansettelser avsluttet etter HR-fil
action-node-initialised = Systemet satt opp
action-notice-queued = Varsel lagt i kø
action-notice-not_sent = Varsel ikke sendt
action-org-added = Organisasjon lagt til
action-principal-bound = Sertifikat knyttet til person
action-report-protected_identities_shown = Rapport vist med beskyttede identiteter
action-passkey-registered = Passnøkkel registrert
action-passkey-removed = Passnøkkel fjernet
action-passkey-link_created = Lenke for å registrere passnøkkel laget
action-passkey-sign_count_regressed = Passnøkkel avvist: telleren gikk bakover
action-oidc-client_registered = Innloggingstjeneste registrert (OpenID Connect-klient)

## Kortets status

card-status-order_basis = Bestillingsgrunnlag
card-status-ordered = Bestilt
card-status-sent = Sendt
card-status-delivered = Levert
card-status-handed_out = Utlevert
card-status-in_use = I bruk
card-status-claimed = Reklamert
card-status-returned = Levert inn
card-status-deregistered = Avregistrert
card-status-destroyed = Makulert

## E-tjenestelegitimasjonens status

credential-status-order_basis = Bestillingsgrunnlag
credential-status-issued = Utstedt
credential-status-revoked = Sperret
credential-status-expired = Utløpt

## Reservekortets status

reserve-status-in_stock = På lager
reserve-status-handed_out = Utlevert
reserve-status-returned = Levert inn
reserve-status-deregistered = Avregistrert
reserve-status-discarded = Kassert
reserve-status-destroyed = Makulert

## Den danske RA-virksomheten

action-dk-account-opened = eID-konto opprettet
action-dk-account-activated = eID aktivert av innbyggeren
action-dk-account-signed_in = Innbyggeren logget inn med eID
action-dk-account-attempt_failed = Mislykket innloggingsforsøk
action-dk-account-locked = eID låst etter mislykkede forsøk
action-dk-account-unlocked = eID låst opp ved skranken
action-dk-account-suspended = eID midlertidig sperret
action-dk-account-reactivated = eID reaktivert
action-dk-account-revoked = eID tilbakekalt
action-dk-account-passcode_reset = Ny midlertidig adgangskode utstedt
action-dk-account-large_print_remembered = Nøkkelkort med stor skrift huskes
action-dk-authenticator-received = Konvolutt registrert på lager
action-dk-authenticator-handed_out = Overlevert til innbyggeren
action-dk-authenticator-mailed = Sendt til folkeregistrert adresse
action-dk-authenticator-enrolled = Autentiseringsmiddel registrert
action-dk-authenticator-activated = Autentiseringsmiddel aktivert
action-dk-authenticator-suspended = Autentiseringsmiddel midlertidig sperret
action-dk-authenticator-reactivated = Autentiseringsmiddel reaktivert
action-dk-authenticator-blocked = Autentiseringsmiddel sperret permanent
action-dk-authenticator-discarded = Konvolutt kassert (åpnet eller skadet)
action-dk-authenticator-activation_code_used = Aktiveringskode brukt
action-dk-authenticator-activation_code_wrong_try = Feil aktiveringskode oppgitt
action-dk-authenticator-activation_code_blocked = Aktiveringskode sperret etter feil forsøk
action-dk-authenticator-activation_code_expired = Aktiveringskode utløpt
action-dk-extra-visit_opened = Besøk for ekstra nøkkelkort åpnet
action-dk-extra-rejected = Ekstra nøkkelkort avvist: identitet ikke bekreftet
action-dk-forgotten-passcode_reissued = Glemt adgangskode: ny midlertidig kode
action-dk-forgotten-rejected = Glemt adgangskode: søker avvist
action-dk-pickup-ordered = Henting bestilt på nett
action-dk-pickup-dispatched = Henteinstruks sendt
action-dk-pickup-arrived = Henteinstruks mottatt hos RA
action-dk-pickup-collected = Henting utlevert
action-dk-pickup-destroyed = Ikke hentet instruks makulert
action-dk-registration-rules_accepted = Regler overlevert og godtatt
action-dk-registration-identity_checked = Identitet kontrollert og signert
action-dk-registration-approval_requested = Godkjenning fra annen saksbehandler bedt om
action-dk-registration-approved = Godkjent av annen saksbehandler
action-dk-registration-approval_rejected = Avvist av annen saksbehandler
action-dk-registration-rejected = Søker avvist
action-dk-registration-issued = eID utstedt ved skranken
action-dk-registration-cancelled = Registrering avbrutt
action-dk-revocation-assisted = Hjelp med sperring gitt
action-dk-stock-box_ordered = Eske bestilt fra leverandøren
action-dk-stock-box_received = Eske mottatt hos RA
action-dk-stock-envelope_registered = Konvolutt registrert med nummer
action-dk-stock-envelope_discarded = Konvolutt kassert
action-dk-stock-low_stock = Varsel om lavt lager
action-dk-stock-campaign_shortfall = Lageret rekker ikke til kampanjen
action-dk-stock-printed = Trykkfil laget for leverandøren
action-dk-pickup-expired = Henteinstruks utløpt

## Status for bunt med reservekort

bundle-status-ordered = Bestilt
bundle-status-received = Mottatt

## PUK-bestillingens status

puk-status-ordered = Bestilt
puk-status-sent = Sendt
puk-status-delivered = Mottatt
puk-status-returned = Kom i retur
