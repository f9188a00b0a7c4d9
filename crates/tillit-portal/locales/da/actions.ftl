# Historikken, dansk: en etiket for hver logget handling (`card.handed_out` bliver
# `action-card-handed_out`: Fluent-id'er kan ikke indeholde punktummer) og for hver status.

## Loggede handlinger

action-card-order_basis_created = Bestillingsgrundlag for kort oprettet
action-card-ordered = Kort bestilt
action-card-added_to_batch = Kortbestilling lagt i en forsendelse
action-card-sent = Kortbestilling sendt til kortleverandøren
action-card-batch_sent = Forsendelse med kortbestillinger afsendt
action-card-delivered = Kort leveret til RA
action-card-handed_out = Kort udleveret
action-card-in_use = Kort i brug
action-card-claimed = Kort reklameret
action-card-replacement_ordered = Erstatningskort bestilt
action-card-returned = Kort afleveret
action-card-deregistered = Kort afregistreret
action-card-destroyed = Kort makuleret
action-card-moved = Kort flyttet til en anden enhed
action-credential-order_basis_created = Bestillingsgrundlag for e-tjenestelegitimation oprettet
action-credential-issued = E-tjenestelegitimation udstedt
action-credential-revoked = E-tjenestelegitimation spærret
action-credential-receipt_signed = Kvittering underskrevet af kortindehaveren
action-credential-expired = E-tjenestelegitimation udløbet
action-credential-renewal_notice_requested = Besked om udløb til kortindehaveren bestilt
action-credential-name_mismatch_resolved = Navneafvigelse løst
action-credential-card_replacement_requested = Nyt kort bestilt efter navneafvigelse
action-person-registered = Person registreret
action-person-updated = Personoplysninger ændret
action-person-employment_recorded = Ansættelse registreret
action-person-employment_ended = Ansættelse afsluttet
action-person-name_checked = Navn kontrolleret mod folkeregistret
action-person-hsa_id_allocated = HSA-id tildelt
action-person-removed = Person fjernet
action-proofing-accepted = Identitet bekræftet
action-proofing-rejected = Ansøger afvist
action-puk-ordered = PUK-kode bestilt
action-puk-sent = PUK-brev sendt
action-puk-delivered = PUK-brev modtaget
action-puk-returned = PUK-brev returneret
action-puk-wrong_entry = Forkert PUK-kode indtastet
action-puk-card_locked = Kort låst efter forkerte PUK-koder
action-puk-entries_reset = Forkerte PUK-forsøg nulstillet
action-reserve-bundle_ordered = Bundt med reservekort bestilt
action-reserve-bundle_received = Bundt med reservekort modtaget
action-reserve-stocked = Reservekort lagt på lager
action-reserve-low_stock = Lavt lager af reservekort
action-reserve-handed_out = Reservekort udleveret
action-reserve-reused = Reservekort genbrugt
action-reserve-discarded = Reservekort kasseret
action-reserve-returned = Reservekort afleveret
action-reserve-deregistered = Reservekort afregistreret
action-reserve-destroyed = Reservekort makuleret
action-reserve-co_signed = Reservekort medunderskrevet af en anden medarbejder
action-revocation-requested = Spærring anmodet
action-revocation-credential_requested = Spærring af e-tjenestelegitimation bestilt
action-revocation-card_deregistration_requested = Afregistrering af kort bestilt
action-revocation-police_report_instructed = Kortindehaveren bedt om at kontakte politiet
action-revocation-notification_requested = Underretning om spærring bestilt
action-revocation-rights_revocation_requested = Spærring af rettigheder bestilt
action-revocation-checked = Spærring kontrolleret
action-role-granted = Rolle tildelt
action-role-removed = Rolle fjernet
action-role-review_required = Rettigheder skal gennemgås efter omorganisering
action-audit-key_registered = Loggens signeringsnøgle registreret
action-ca-created = Certifikatudsteder (CA) oprettet
action-ca-imported = Certifikatudsteder (CA) importeret
action-certificate-issued = Certifikat udstedt
action-certificate-revoked = Certifikat spærret
action-crl-published = Spærreliste (CRL) offentliggjort
action-hr-imported = HR-fil indlæst
action-hr-employments_ended = Ansættelser afsluttet efter HR-fil
action-node-initialised = Systemet sat op
action-notice-queued = Besked sat i kø
action-notice-not_sent = Besked ikke sendt
action-org-added = Organisation tilføjet
action-principal-bound = Certifikat knyttet til person
action-report-protected_identities_shown = Rapport vist med beskyttede personer
action-passkey-registered = Adgangsnøgle registreret
action-passkey-removed = Adgangsnøgle fjernet
action-passkey-link_created = Link til registrering af adgangsnøgle oprettet
action-passkey-sign_count_regressed = Adgangsnøgle afvist: tælleren gik baglæns
action-oidc-client_registered = Log på-tjeneste registreret (OpenID Connect-klient)

## Kortets status

card-status-order_basis = Bestillingsgrundlag
card-status-ordered = Bestilt
card-status-sent = Afsendt
card-status-delivered = Leveret
card-status-handed_out = Udleveret
card-status-in_use = I brug
card-status-claimed = Reklameret
card-status-returned = Afleveret
card-status-deregistered = Afregistreret
card-status-destroyed = Makuleret

## E-tjenestelegitimationens status

credential-status-order_basis = Bestillingsgrundlag
credential-status-issued = Udstedt
credential-status-revoked = Spærret
credential-status-expired = Udløbet

## Reservekortets status

reserve-status-in_stock = På lager
reserve-status-handed_out = Udleveret
reserve-status-returned = Afleveret
reserve-status-deregistered = Afregistreret
reserve-status-discarded = Kasseret
reserve-status-destroyed = Makuleret

## Den danske RA

action-dk-account-opened = eID-konto oprettet
action-dk-account-activated = eID aktiveret af borgeren
action-dk-account-signed_in = Borgeren loggede ind med eID
action-dk-account-attempt_failed = Mislykket logonforsøg
action-dk-account-locked = eID spærret efter mislykkede forsøg
action-dk-account-unlocked = eID låst op ved skranken
action-dk-account-suspended = eID suspenderet
action-dk-account-reactivated = eID genaktiveret
action-dk-account-revoked = eID spærret permanent
action-dk-account-passcode_reset = Ny midlertidig adgangskode udstedt
action-dk-account-large_print_remembered = Nøglekort med stor skrift huskes
action-dk-authenticator-received = Kuvert registreret på lager
action-dk-authenticator-handed_out = Udleveret til borgeren
action-dk-authenticator-mailed = Sendt til folkeregisteradressen
action-dk-authenticator-enrolled = Loginmiddel registreret
action-dk-authenticator-activated = Loginmiddel aktiveret
action-dk-authenticator-suspended = Loginmiddel suspenderet
action-dk-authenticator-reactivated = Loginmiddel genaktiveret
action-dk-authenticator-blocked = Loginmiddel spærret permanent
action-dk-authenticator-discarded = Kuvert kasseret (åbnet eller beskadiget)
action-dk-authenticator-activation_code_used = Aktiveringskode brugt
action-dk-authenticator-activation_code_wrong_try = Forkert aktiveringskode indtastet
action-dk-authenticator-activation_code_blocked = Aktiveringskode spærret efter forkerte forsøg
action-dk-authenticator-activation_code_expired = Aktiveringskode udløbet
action-dk-extra-visit_opened = Besøg for ekstra nøglekort åbnet
action-dk-extra-rejected = Ekstra nøglekort afvist: identiteten ikke dokumenteret
action-dk-forgotten-passcode_reissued = Glemt adgangskode: ny midlertidig kode
action-dk-forgotten-rejected = Glemt adgangskode: ansøger afvist
action-dk-pickup-ordered = Afhentning bestilt online
action-dk-pickup-dispatched = Afhentningsinstruks afsendt
action-dk-pickup-arrived = Afhentningsinstruks modtaget hos RA
action-dk-pickup-collected = Afhentning udleveret
action-dk-pickup-destroyed = Ikke afhentet instruks destrueret
action-dk-registration-rules_accepted = Regler udleveret og accepteret
action-dk-registration-identity_checked = Identitet kontrolleret og underskrevet
action-dk-registration-approval_requested = Godkendelse fra anden medarbejder anmodet
action-dk-registration-approved = Godkendt af anden medarbejder
action-dk-registration-approval_rejected = Afvist af anden medarbejder
action-dk-registration-rejected = Ansøger afvist
action-dk-registration-issued = eID udstedt ved skranken
action-dk-registration-cancelled = Registrering annulleret
action-dk-revocation-assisted = Hjælp til spærring givet
action-dk-stock-box_ordered = Kasse bestilt hos leverandøren
action-dk-stock-box_received = Kasse modtaget hos RA
action-dk-stock-envelope_registered = Kuvert registreret med nummer
action-dk-stock-envelope_discarded = Kuvert kasseret
action-dk-stock-low_stock = Advarsel om lav beholdning
action-dk-stock-campaign_shortfall = Beholdningen rækker ikke til kampagnen
action-dk-stock-printed = Trykfil dannet til leverandøren
action-dk-pickup-expired = Afhentningsinstruks udløbet

## Status for bundt med reservekort

bundle-status-ordered = Bestilt
bundle-status-received = Modtaget

## PUK-bestillingens status

puk-status-ordered = Bestilt
puk-status-sent = Sendt
puk-status-delivered = Modtaget
puk-status-returned = Returneret
