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

## Status for bundt med reservekort

bundle-status-ordered = Bestilt
bundle-status-received = Modtaget

## PUK-bestillingens status

puk-status-ordered = Bestilt
puk-status-sent = Sendt
puk-status-delivered = Modtaget
puk-status-returned = Returneret
