# Historiken, svenska: en etikett för varje loggad åtgärd (`card.handed_out` blir
# `action-card-handed_out`: Fluent-id:n kan inte innehålla punkter) och för varje status.

## Loggade åtgärder

action-card-order_basis_created = Beställningsunderlag för kort skapat
action-card-ordered = Kort beställt
action-card-added_to_batch = Kortbeställning lagd i en sändning
action-card-sent = Kortbeställning skickad till kortleverantören
action-card-batch_sent = Sändning med kortbeställningar skickad
action-card-delivered = Kort levererat till RA
action-card-handed_out = Kort utlämnat
action-card-in_use = Kort i bruk
action-card-claimed = Kort reklamerat
action-card-replacement_ordered = Ersättningskort beställt
action-card-returned = Kort återlämnat
action-card-deregistered = Kort avregistrerat
action-card-destroyed = Kort makulerat
action-card-moved = Kort flyttat till annan enhet
action-credential-order_basis_created = Underlag för e-tjänstelegitimation skapat
action-credential-issued = E-tjänstelegitimation utfärdad
action-credential-revoked = E-tjänstelegitimation spärrad
action-credential-receipt_signed = Kvittens undertecknad av kortinnehavaren
action-credential-expired = E-tjänstelegitimation har gått ut
action-credential-renewal_notice_requested = Avisering om utgående e-tjänstelegitimation begärd
action-credential-name_mismatch_resolved = Namnavvikelse åtgärdad
action-credential-card_replacement_requested = Nytt kort begärt efter namnavvikelse
action-person-registered = Person registrerad
action-person-updated = Personuppgifter ändrade
action-person-employment_recorded = Anställning registrerad
action-person-employment_ended = Anställning avslutad
action-person-name_checked = Namn kontrollerat mot befolkningsregistret
action-person-hsa_id_allocated = HSA-id tilldelat
action-person-removed = Person borttagen
action-proofing-accepted = Identitet styrkt
action-proofing-rejected = Sökande avvisad
action-puk-ordered = PUK-kod beställd
action-puk-sent = PUK-brev skickat
action-puk-delivered = PUK-brev mottaget
action-puk-returned = PUK-brev returnerat
action-puk-wrong_entry = Felaktig PUK-kod angiven
action-puk-card_locked = Kort låst efter felaktiga PUK-koder
action-puk-entries_reset = Felaktiga PUK-försök nollställda
action-reserve-bundle_ordered = Bunt med reservkort beställd
action-reserve-bundle_received = Bunt med reservkort mottagen
action-reserve-stocked = Reservkort inlagt i lager
action-reserve-low_stock = Lågt lager av reservkort
action-reserve-handed_out = Reservkort utlämnat
action-reserve-reused = Reservkort återanvänt
action-reserve-discarded = Reservkort kasserat
action-reserve-returned = Reservkort återlämnat
action-reserve-deregistered = Reservkort avregistrerat
action-reserve-destroyed = Reservkort makulerat
action-reserve-co_signed = Reservkort medsignerat av en andra handläggare
action-revocation-requested = Spärr begärd
action-revocation-credential_requested = Spärr av e-tjänstelegitimation beställd
action-revocation-card_deregistration_requested = Avregistrering av kort beställd
action-revocation-police_report_instructed = Kortinnehavaren uppmanad att kontakta polisen
action-revocation-notification_requested = Underrättelse om spärr beställd
action-revocation-rights_revocation_requested = Spärr av behörigheter beställd
action-revocation-checked = Spärr kontrollerad
action-role-granted = Behörighet tilldelad
action-role-removed = Behörighet borttagen
action-role-review_required = Behörigheter ska ses över efter omorganisation
action-audit-key_registered = Loggens signeringsnyckel registrerad
action-ca-created = Utfärdare (CA) skapad
action-ca-imported = Utfärdare (CA) importerad
action-certificate-issued = Certifikat utfärdat
action-certificate-revoked = Certifikat spärrat
action-crl-published = Spärrlista (CRL) publicerad
action-hr-imported = PA-fil inläst
action-hr-employments_ended = Anställningar avslutade enligt PA-fil
action-node-initialised = Systemet installerat
action-notice-queued = Avisering lagd i kö
action-notice-not_sent = Avisering inte skickad
action-org-added = Organisation tillagd
action-principal-bound = Certifikat kopplat till person
action-report-protected_identities_shown = Rapport visad med skyddade personuppgifter
action-passkey-registered = Nyckel för inloggning registrerad
action-passkey-removed = Nyckel för inloggning borttagen
action-passkey-link_created = Länk för att registrera nyckel skapad
action-passkey-sign_count_regressed = Nyckel nekad: dess räknare gick bakåt
action-oidc-client_registered = Inloggningstjänst registrerad (OpenID Connect-klient)

## Kortets status

card-status-order_basis = Beställningsunderlag
card-status-ordered = Beställt
card-status-sent = Skickat
card-status-delivered = Levererat
card-status-handed_out = Utlämnat
card-status-in_use = I bruk
card-status-claimed = Reklamerat
card-status-returned = Återlämnat
card-status-deregistered = Avregistrerat
card-status-destroyed = Makulerat

## E-tjänstelegitimationens status

credential-status-order_basis = Underlag skapat
credential-status-issued = Utfärdad
credential-status-revoked = Spärrad
credential-status-expired = Utgången

## Reservkortets status

reserve-status-in_stock = I lager
reserve-status-handed_out = Utlämnat
reserve-status-returned = Återlämnat
reserve-status-deregistered = Avregistrerat
reserve-status-discarded = Kasserat
reserve-status-destroyed = Makulerat

## Den danska RA-verksamheten

action-dk-account-opened = eID-konto öppnat
action-dk-account-activated = eID aktiverat av medborgaren
action-dk-account-signed_in = Medborgaren loggade in med eID
action-dk-account-attempt_failed = Misslyckat inloggningsförsök
action-dk-account-locked = eID låst efter misslyckade försök
action-dk-account-unlocked = eID upplåst vid disken
action-dk-account-suspended = eID spärrat tillfälligt
action-dk-account-reactivated = eID återaktiverat
action-dk-account-revoked = eID återkallat
action-dk-account-passcode_reset = Ny tillfällig adgångskod utfärdad
action-dk-account-large_print_remembered = Nyckelkort i stor stil sparat som val
action-dk-authenticator-received = Kuvert registrerat i lager
action-dk-authenticator-handed_out = Överlämnat till medborgaren
action-dk-authenticator-mailed = Skickat till folkbokföringsadressen
action-dk-authenticator-enrolled = Autentiseringsmedel registrerat
action-dk-authenticator-activated = Autentiseringsmedel aktiverat
action-dk-authenticator-suspended = Autentiseringsmedel spärrat tillfälligt
action-dk-authenticator-reactivated = Autentiseringsmedel återaktiverat
action-dk-authenticator-blocked = Autentiseringsmedel spärrat permanent
action-dk-authenticator-discarded = Kuvert kasserat (öppnat eller skadat)
action-dk-authenticator-activation_code_used = Aktiveringskod använd
action-dk-authenticator-activation_code_wrong_try = Fel aktiveringskod angiven
action-dk-authenticator-activation_code_blocked = Aktiveringskod spärrad efter felaktiga försök
action-dk-authenticator-activation_code_expired = Aktiveringskod har gått ut
action-dk-extra-visit_opened = Besök för extra nyckelkort öppnat
action-dk-extra-rejected = Extra nyckelkort nekade: identiteten ej styrkt
action-dk-forgotten-passcode_reissued = Glömd adgångskod: ny tillfällig kod
action-dk-forgotten-rejected = Glömd adgångskod: sökanden avvisad
action-dk-pickup-ordered = Avhämtning beställd på nätet
action-dk-pickup-dispatched = Avhämtningsinstruktion skickad
action-dk-pickup-arrived = Avhämtningsinstruktion mottagen hos RA
action-dk-pickup-collected = Avhämtning utlämnad
action-dk-pickup-destroyed = Ej avhämtad instruktion förstörd
action-dk-registration-rules_accepted = Regler överlämnade och godkända
action-dk-registration-identity_checked = Identitet kontrollerad och signerad
action-dk-registration-approval_requested = Godkännande av andra handläggare begärt
action-dk-registration-approved = Godkänd av andra handläggare
action-dk-registration-approval_rejected = Avvisad av andra handläggare
action-dk-registration-rejected = Sökanden avvisad
action-dk-registration-issued = eID utfärdat vid disken
action-dk-registration-cancelled = Registrering avbruten
action-dk-revocation-assisted = Hjälp med spärr given
action-dk-stock-box_ordered = Låda beställd från leverantören
action-dk-stock-box_received = Låda mottagen hos RA
action-dk-stock-envelope_registered = Kuvert registrerat med nummer
action-dk-stock-envelope_discarded = Kuvert kasserat
action-dk-stock-low_stock = Varning för lågt lager
action-dk-stock-campaign_shortfall = Lagret räcker inte för kampanjen
action-dk-stock-printed = Tryckfil skapad för leverantören
action-dk-pickup-expired = Avhämtningsinstruktion har gått ut

## Status för bunt med reservkort

bundle-status-ordered = Beställd
bundle-status-received = Mottagen

## PUK-beställningens status

puk-status-ordered = Beställd
puk-status-sent = Skickad
puk-status-delivered = Mottagen
puk-status-returned = Returnerad
