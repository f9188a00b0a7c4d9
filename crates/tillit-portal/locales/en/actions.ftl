# The history, English: a label for each audit action (`card.handed_out` is
# `action-card-handed_out`: Fluent ids hold no dots) and for each status.

## Audit actions

action-card-order_basis_created = Card order basis created
action-card-ordered = Card ordered
action-card-added_to_batch = Card order added to a batch
action-card-sent = Card order sent to the card supplier
action-card-batch_sent = Batch of card orders sent
action-card-delivered = Card delivered to the RA
action-card-handed_out = Card handed out
action-card-in_use = Card in use
action-card-claimed = Card claimed with the card supplier
action-card-replacement_ordered = Replacement card ordered
action-card-returned = Card returned
action-card-deregistered = Card deregistered
action-card-destroyed = Card destroyed
action-card-moved = Card moved to another unit
action-credential-order_basis_created = Credential order basis created
action-credential-issued = Credential issued
action-credential-revoked = Credential revoked
action-credential-receipt_signed = Receipt signed by the holder
action-credential-expired = Credential expired
action-credential-renewal_notice_requested = Expiry notice to the holder requested
action-credential-name_mismatch_resolved = Name mismatch resolved
action-credential-card_replacement_requested = New card requested after a name mismatch
action-person-registered = Person registered
action-person-updated = Person details changed
action-person-employment_recorded = Employment recorded
action-person-employment_ended = Employment ended
action-person-name_checked = Name checked against the population register
action-person-hsa_id_allocated = HSA-id allocated
action-person-removed = Person removed
action-proofing-accepted = Identity proofed
action-proofing-rejected = Applicant rejected
action-puk-ordered = PUK ordered
action-puk-sent = PUK letter sent
action-puk-delivered = PUK letter received
action-puk-returned = PUK letter returned undelivered
action-puk-wrong_entry = Wrong PUK entered
action-puk-card_locked = Card locked after wrong PUK entries
action-puk-entries_reset = Wrong PUK entries reset
action-reserve-bundle_ordered = Bundle of reserve cards ordered
action-reserve-bundle_received = Bundle of reserve cards received
action-reserve-stocked = Reserve card put in stock
action-reserve-low_stock = Reserve card stock low
action-reserve-handed_out = Reserve card handed out
action-reserve-reused = Reserve card reused
action-reserve-discarded = Reserve card discarded unused
action-reserve-returned = Reserve card returned
action-reserve-deregistered = Reserve card deregistered
action-reserve-destroyed = Reserve card destroyed
action-reserve-co_signed = Reserve card co-signed by a second officer
action-revocation-requested = Revocation requested
action-revocation-credential_requested = Credential revocation ordered
action-revocation-card_deregistration_requested = Card deregistration ordered
action-revocation-police_report_instructed = Holder told to report to the police
action-revocation-notification_requested = Notice of the revocation ordered
action-revocation-rights_revocation_requested = Revocation of rights ordered
action-revocation-checked = Revocation checked
action-role-granted = Role granted
action-role-removed = Role removed
action-role-review_required = Rights to be reviewed after a reorganisation
action-audit-key_registered = Audit log signing key registered
action-ca-created = Certificate authority (CA) created
action-ca-imported = Certificate authority (CA) imported
action-certificate-issued = Certificate issued
action-certificate-revoked = Certificate revoked
action-crl-published = Revocation list (CRL) published
action-hr-imported = HR file imported
action-hr-employments_ended = Employments ended by the HR file
action-node-initialised = System set up
action-notice-queued = Notice queued for sending
action-notice-not_sent = Notice not sent
action-org-added = Organisation added
action-principal-bound = Certificate linked to a person
action-report-protected_identities_shown = Report shown with protected identities
action-passkey-registered = Passkey registered
action-passkey-removed = Passkey removed
action-passkey-link_created = Passkey enrolment link made
action-passkey-sign_count_regressed = Passkey refused: its counter went backwards
action-oidc-client_registered = Sign-in service registered (OpenID Connect client)

## Card status

card-status-order_basis = Order basis
card-status-ordered = Ordered
card-status-sent = Sent
card-status-delivered = Delivered
card-status-handed_out = Handed out
card-status-in_use = In use
card-status-claimed = Claimed
card-status-returned = Returned
card-status-deregistered = Deregistered
card-status-destroyed = Destroyed

## Credential status

credential-status-order_basis = Order basis
credential-status-issued = Issued
credential-status-revoked = Revoked
credential-status-expired = Expired

## Reserve card status

reserve-status-in_stock = In stock
reserve-status-handed_out = Handed out
reserve-status-returned = Returned
reserve-status-deregistered = Deregistered
reserve-status-discarded = Discarded
reserve-status-destroyed = Destroyed

## Reserve card bundle status

bundle-status-ordered = Ordered
bundle-status-received = Received

## PUK order status

puk-status-ordered = Ordered
puk-status-sent = Sent
puk-status-delivered = Received
puk-status-returned = Returned undelivered

## The Danish RA

action-dk-account-opened = eID account opened
action-dk-account-activated = eID activated by the citizen
action-dk-account-signed_in = Citizen signed in with the eID
action-dk-account-attempt_failed = Failed sign-in attempt
action-dk-account-locked = eID locked after failed attempts
action-dk-account-unlocked = eID unlocked at the desk
action-dk-account-suspended = eID suspended
action-dk-account-reactivated = eID reactivated
action-dk-account-revoked = eID revoked
action-dk-account-passcode_reset = New temporary passcode issued
action-dk-account-large_print_remembered = Large-print key cards remembered
action-dk-authenticator-received = Envelope registered in stock
action-dk-authenticator-handed_out = Handed over to the citizen
action-dk-authenticator-mailed = Mailed to the register address
action-dk-authenticator-enrolled = Authenticator enrolled
action-dk-authenticator-activated = Authenticator activated
action-dk-authenticator-suspended = Authenticator suspended
action-dk-authenticator-reactivated = Authenticator reactivated
action-dk-authenticator-blocked = Authenticator blocked for good
action-dk-authenticator-discarded = Envelope discarded (opened or damaged)
action-dk-authenticator-activation_code_used = Activation code used
action-dk-authenticator-activation_code_wrong_try = Wrong activation code entered
action-dk-authenticator-activation_code_blocked = Activation code blocked after wrong tries
action-dk-authenticator-activation_code_expired = Activation code expired
action-dk-extra-visit_opened = Visit for extra key cards opened
action-dk-extra-rejected = Extra key cards refused: identity not proven
action-dk-forgotten-passcode_reissued = Forgotten passcode: new temporary passcode
action-dk-forgotten-rejected = Forgotten passcode: applicant rejected
action-dk-pickup-ordered = Pickup ordered online
action-dk-pickup-dispatched = Pickup instruction dispatched
action-dk-pickup-arrived = Pickup instruction arrived at the RA
action-dk-pickup-collected = Pickup collected
action-dk-pickup-destroyed = Uncollected pickup destroyed
action-dk-registration-rules_accepted = Rules handed over and accepted
action-dk-registration-identity_checked = Identity checked and signed
action-dk-registration-approval_requested = Second officer's approval requested
action-dk-registration-approved = Approved by a second officer
action-dk-registration-approval_rejected = Rejected by the second officer
action-dk-registration-rejected = Applicant rejected
action-dk-registration-issued = eID issued at the desk
action-dk-registration-cancelled = Registration cancelled
action-dk-revocation-assisted = Revocation assistance given
action-dk-stock-box_ordered = Box ordered from the stock supplier
action-dk-stock-box_received = Box received at the RA
action-dk-stock-envelope_registered = Envelope registered by number
action-dk-stock-envelope_discarded = Envelope discarded
action-dk-stock-low_stock = Low stock warning
action-dk-stock-campaign_shortfall = Stock too low for a campaign
action-dk-stock-printed = Print file made for the stock supplier
action-dk-pickup-expired = Pickup instruction expired
