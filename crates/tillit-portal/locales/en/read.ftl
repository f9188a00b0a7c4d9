# The read-only pages (search, person, card, reports), English.

## Shared

read-none = –
read-not-signed = Not signed
read-forbidden-title = Not allowed
read-forbidden-text = None of your roles allows this. Ask an RA administrator if you need it.
read-refused-title = The request was not accepted
read-error-summary = There is a problem
read-protected-identity = (protected identity)
read-protected-identity-shown = Protected identity.
read-protected-identity-note = The name and address are hidden from officers without the protected-identity right (KUR). Do not pass them on.
read-not-in-directory = (not in the directory)
read-no-unit = (no unit)
read-unit = Unit
read-next-page = Next page
read-actions = What you can do
read-card-open = Card

## Columns

read-col-name = Name
read-col-national-id = National identity number
read-col-hsa-id = HSA-id
read-col-unit = Unit
read-col-kind = Type
read-col-start = From
read-col-end = Until
read-col-card = Card
read-col-status = Status
read-col-serial = Card number
read-col-created = Order basis made
read-col-handed-out = Handed out
read-col-valid-until = Valid until
read-col-ended = Ended
read-col-basis = Based on
read-col-ordered = Ordered
read-col-sent = Sent
read-col-closed = Received or returned
read-col-cost = Cost
read-col-credential-until = Credential valid until
read-col-role = Role
read-col-scope = Applies to
read-col-time = Time
read-col-action = What was done
read-col-actor = By
read-col-signature = Signature
read-col-step = Step
read-col-day = Day
read-col-holder = Card holder
read-col-problem = Problem
read-col-detail = Details
read-col-days-left = Days left
read-col-removed-on = Removed from the directory
read-col-certificate-name = Name in the certificate
read-col-options = Ways to resolve it
read-col-in-stock = In the safe
read-col-on-order = On order
read-col-threshold = Low-stock threshold
read-col-stock = Stock
read-col-orders = Orders

## Search

read-search-title = Search people
read-search-hint = A name (family name first, or its beginning), a national identity number or an HSA-id.
read-search-results = Results
read-search-caption = People matching “{ $q }”
read-search-none = Nobody in your units matches “{ $q }”.
read-search-no-more = No more people match “{ $q }”.
read-search-bad-query = Give 1 to 200 characters: the beginning of a name, or a number.
read-search-bad-page = This page of results no longer exists. Search again.

## A person

read-person-title = Person
read-identity = Identity
read-email = E-mail
read-name-checked = Name checked against the population register
read-name-not-checked = Not checked
read-secured = HR record secured (R-PER-2)
read-secured-yes = Yes
read-secured-no = No
read-action-order-card = Request a credential on a new card (order basis)
read-action-revocation = Revoke or request revocation
read-action-roles = Roles
read-action-function-credential = Order a function certificate
read-employments = Employments and assignments
read-employments-caption = Employments and assignments of { $name } in your units
read-employments-none = No employment in your units.
read-employment-kind-employment = Employment
read-employment-kind-assignment = Assignment
read-until-further = Until further notice
read-cards = Cards
read-cards-caption = Cards of { $name }
read-cards-none = No cards.
read-credentials = Credentials
read-credentials-caption = Credentials of { $name }
read-credentials-none = No credentials.
read-puk-orders = PUK orders
read-puk-orders-caption = PUK orders of { $name }
read-puk-orders-none = No PUK orders.
read-reserve-cards = Reserve cards
read-reserve-cards-caption = Reserve cards of { $name }
read-reserve-cards-none = No reserve cards.
read-roles = Roles
read-roles-caption = Roles of { $name }
read-roles-none = No roles in your units.
read-history = History
read-history-caption = What was done about { $name } and their cards, newest first
read-history-none = Nothing recorded yet.
read-history-no-more = No older entries.
read-history-older = Older entries
read-history-older-title = older entries
read-actor-officer = An officer
read-actor-system = tillit (automatic)
read-actor-holder = The card holder
read-actor-responsible = The person responsible
read-actor-operator = The system operator
read-actor-other = Someone else
read-signed-passkey = Signed with a passkey
read-signed-certificate = Signed with a certificate
read-signed-unknown = Signed (unknown format)

## Kinds and reasons

read-card-kind-sis = SIS card
read-card-kind-osis = OSIS card
read-card-kind-company = Company card
read-card-kind-reserve = Reserve card
read-credential-kind-card_pair = Credential on a card
read-credential-kind-function = Function certificate
read-basis-hsa_id = HSA-id
read-basis-national_id = National identity number
read-role-ra = RA administrator
read-role-kra = Card officer (CRA/KRA)
read-role-lra = Reserve card officer (LRA)
read-role-ora = Unit RA with access to the safe (ORA)
read-role-kur = Protected identities (KUR)
read-role-hsa_admin = HSA administrator
read-role-manager = Manager
read-role-security_officer = Security officer
read-role-card_holder = Card holder
read-role-auditor = Auditor
read-role-dk_ra_admin = RA administrator (DK)
read-role-dk_ra_employee = RA employee (DK)
read-end-reason-lost = Lost
read-end-reason-stolen = Stolen
read-end-reason-left_employment = Left the organisation
read-end-reason-replaced = Replaced by a new card
read-end-reason-damaged = Damaged
read-end-reason-not_returned = Not returned
read-end-reason-misuse = Misuse
read-end-reason-uncollected = Not collected in time
read-end-reason-wrong_name = Wrong name on the card
read-end-reason-puk_locked = Locked by wrong PUK entries
read-end-reason-not_reused = Not reused in time
read-end-reason-person_removed = Person removed from the directory

## A card

read-card-title = Card
read-card-facts = The card
read-card-id = Card id
read-card-serial = Card number
read-card-valid-until = Valid until
read-card-collect-by = To be collected by (R-CARD-4)
read-card-end-reason = Reason for deregistration
read-card-receipt = Holder's receipt
read-card-claimed = Claimed with the card supplier
read-holder-out-of-scope = Not in your units
read-card-lifecycle = Lifecycle
read-card-lifecycle-caption = The steps of { $card }
read-card-date-order_basis = Order basis made
read-card-date-ordered = Ordered
read-card-date-sent = Sent to the card supplier
read-card-date-delivered = Delivered to the RA
read-card-date-handed_out = Handed out
read-card-date-in_use = In use
read-card-date-claimed = Claimed
read-card-date-ended = Returned or deregistered
read-card-date-destroyed = Destroyed
read-card-credentials-caption = Credentials on { $card }
read-card-puk-orders-caption = PUK orders for { $card }
read-card-action-order = Order the card (holder present)
read-card-action-batch = Send orders to the card supplier
read-card-action-delivery = Record the delivery
read-card-action-hand-out = Hand out the card
read-card-action-credential = Order a credential for the card
read-card-action-puk = Order a PUK code
read-card-action-deregistration = Deregister the card
read-card-action-claim = Claim the card
read-card-action-return = Record the card as returned
read-card-action-move = Move the card to another unit
read-card-action-destruction = Record the card as destroyed

## Reports

read-reports-title = Reports
read-reports-intro = Each report covers the units where you may read reports.
read-reports-not-allowed = None of your roles gives access to reports.
read-report-reconciliation = Cards against the HR register
read-report-expiring = Credentials expiring
read-report-limbo = Credentials of people removed from the directory
read-report-name-mismatch = Name differs between directory and certificate
read-report-stock = Reserve card stock
read-report-puk-costs = PUK costs per unit
read-report-rule = Rule
read-report-from = From (first day)
read-report-to = Until (last day)
read-report-as-of-day = As of
read-report-unit = Unit
read-report-all-units = All my units
read-report-show = Show
read-report-bad-field = Check the value you gave.
read-report-period = from { $from } to { $to }
read-report-as-of = as of { $day }
read-report-now = now ({ $day })
read-report-period-label = Period
read-report-chart = Chart
read-report-csv = Download as CSV (spreadsheet)
read-report-table = Figures
read-report-empty = Nothing to report.
read-report-caption = { $title }, { $period }: { $count ->
    [one] { $rows } row
   *[other] { $rows } rows
}
read-chart-alt = Bar chart of “{ $title }”: { $summary }. The same figures are in the table below.
read-chart-empty = nothing to show
read-problem-no_employment = No employment
read-problem-other_unit = Card of another unit
read-problem-several_cards = Several active cards
read-mismatch-correct_directory = Correct the directory
read-mismatch-reissue_to_same_card = New credential to the same card
read-mismatch-replace_card = New card
read-stock-low = Low
read-stock-enough = Enough
read-receipt-title = Receipt for an e-service card
read-receipt-text = I have received the card above and its PIN letter unopened, and I have been told the rules for its use: the card is personal, the PIN is kept apart from it, and a lost card is reported at once so that its certificates are revoked.
read-receipt-holder-signs = The card holder's signature and name in block letters
read-receipt-officer-signs = The officer's signature
read-receipt-back = Back to the card
read-receipt-print = The receipt, to print
