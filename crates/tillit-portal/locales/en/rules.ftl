# The rules of SPEC, English: for each rule id a title (`rule-…`) and a remedy (`remedy-…`),
# what the officer does next, shown when an action is refused by the rule.

## Identifiers

rule-R-ID-1 = Swedish personnummer and samordningsnummer
remedy-R-ID-1 = Check the number against the ID document: YYYYMMDD-NNNN or YYMMDD-NNNN (+ for people aged 100 or more). The last digit is a check digit; a samordningsnummer has the day plus 60.
rule-R-ID-2 = Danish CPR number
remedy-R-ID-2 = Check the number against the ID document or a CPR lookup: DDMMYY-SSSS with a birth date that exists. A failed modulus 11 check is only a warning.
rule-R-ID-3 = Norwegian fødselsnummer, D-nummer and H-nummer
remedy-R-ID-3 = Check the eleven digits against the ID document: both control digits must match. A D-nummer has the day plus 40, an H-nummer the month plus 40; FH-numbers cannot be used.
rule-R-ID-3a = Birth date in the number
remedy-R-ID-3a = The birth date in the number does not exist or lies in the future: look for a typing error. Enter the number with or without the usual separator.
rule-R-ID-4 = Organisation number
remedy-R-ID-4 = Check the number against the business register (Swedish organisationsnummer, Danish CVR number, Norwegian organisasjonsnummer): its check digit must match.
rule-R-ID-5 = HSA-id
remedy-R-ID-5 = Enter the HSA-id as country code, organisation number, hyphen and local part (SE2120000738-abcd). Each person has their own.
rule-R-ID-6 = Invalid number or id
remedy-R-ID-6 = Correct the field the message names and send again; nothing has been saved.

## People

rule-R-PER-1 = Person record
remedy-R-PER-1 = Complete the person record: national id number, names as in the population register, HSA-id, contact details and employment.
rule-R-PER-2 = Secured HR record required
remedy-R-PER-2 = Before a credential is ordered: check the name against the population register, make sure the person has an HSA-id, and record an employment in the organisation or a group company.
rule-R-PER-3 = Protected identity
remedy-R-PER-3 = Only officers with the right for protected identities (KUR) may see or handle this person; pass the case to such an officer.
rule-R-PER-4 = Name differs between directory and certificate
remedy-R-PER-4 = If the directory is wrong, correct it there. If the name on the card is right, revoke the credential and order a new one to the same card; if it is wrong, deregister the card and order a new card.
rule-R-PER-5 = Valid credential of a person removed from the directory
remedy-R-PER-5 = Recreate the person in the directory, deregister the card, then remove the person again.

## Organisations and roles

rule-R-ORG-1 = Outside your part of the organisation
remedy-R-ORG-1 = Your rights do not cover this unit. Ask an officer with rights there, or ask the RA administrator for the right.
rule-R-ORG-2 = Role required
remedy-R-ORG-2 = The action needs a role you do not hold (for example CRA/KRA, LRA, ORA or KUR). Ask the RA administrator.
rule-R-ORG-3 = Granting the card officer role (CRA/KRA)
remedy-R-ORG-3 = Record the training and a signature specimen approved by the security officer and signed by an authorised signatory before the role is granted or removed.
rule-R-ORG-4 = Role changes and reorganisations
remedy-R-ORG-4 = Check the person's role table. After a reorganisation, review the rights in the units concerned.

## Signatures and audit

rule-R-AUD-1 = Your signature is required
remedy-R-AUD-1 = Sign the action with your signing PIN (“Sign and send”); changes are recorded only when signed.
rule-R-AUD-2 = Tamper-evident audit log
remedy-R-AUD-2 = Entries in the audit log cannot be changed or removed: record a new action that corrects the earlier one. If the log fails verification, tell the security officer.
rule-R-AUD-3 = Receipts
remedy-R-AUD-3 = Keep the holder's signed receipt with the card. File paper receipts for reserve cards by birth date and keep them for 15 years.
rule-R-AUD-4 = Archiving
remedy-R-AUD-4 = Order bases and card orders are archived with the card supplier; returns, deregistrations and revocations are archived automatically. Nothing more to do.

## Identity proofing

rule-R-IDP-1 = Valid Swedish identity document
remedy-R-IDP-1 = Ask for a driving licence, SIS-approved ID card, national ID card, Tax Agency ID card or passport, and record its type and number.
rule-R-IDP-2 = Identity by attestation
remedy-R-IDP-2 = Without a valid document: a population register extract, a written attestation and the hiring manager present as attestor, told that a false attestation is a crime. Give the holder the receipt to bring to the hand-out.
rule-R-IDP-3 = Danish photo ID and CPR number
remedy-R-IDP-3 = Ask for an accepted photo ID; at least one document must show the CPR number. Match name and CPR number by a CPR lookup, or ask for a further document.
rule-R-IDP-4 = Danish citizen without photo ID
remedy-R-IDP-4 = Ask for two of the documents a–d, one of them a or b and one with the CPR number. The key card is then sent to the population register address, never handed out.
rule-R-IDP-5 = Applicant rejected
remedy-R-IDP-5 = The documents are incomplete, the data do not match or forgery is suspected: reject the applicant and issue nothing.
rule-R-IDP-6 = Protected or homeless Danish citizen
remedy-R-IDP-6 = Record the address new key cards are to be sent to, and check photo ID.

## Cards

rule-R-CARD-1 = Card type
remedy-R-CARD-1 = Choose one of the card types: SIS card, OSIS card, company card without photo or reserve card.
rule-R-CARD-2 = Choice of card type
remedy-R-CARD-2 = Employed over 6 months: SIS card. Up to 6 months, or a samordningsnummer: reserve card. In a group company over 6 months: company card without photo.
rule-R-CARD-3 = Card lifecycle
remedy-R-CARD-3 = Take the card through its steps in order: order basis, order with the holder present, sending to the card supplier, delivery to the safe, hand-out against ID and PIN letter.
rule-R-CARD-4 = Card not collected within 3 months
remedy-R-CARD-4 = The collection period has passed: destroy the card, and order a new one if the holder still needs it.
rule-R-CARD-5 = Claim only for a sent or handed-out card
remedy-R-CARD-5 = A claim with the card supplier is possible only when the card's status is sent or handed out. Check the status; otherwise a card that does not work is deregistered and replaced.
rule-R-CARD-6 = Previous card returned
remedy-R-CARD-6 = One new card at a time: finish the card already on order, or deregister it, before a new order basis. When the new card is handed out, take back the previous card and deregister it.
rule-R-CARD-7 = Leaving or moving within the organisation
remedy-R-CARD-7 = Leaving: have the card returned (or cut by the manager) and deregister it. Moving within the organisation: the card is kept; revoke the credential if its content changed. Temporary absence keeps both.
rule-R-CARD-8 = Card not returned
remedy-R-CARD-8 = Deregister the card with the note “not returned”. Every quarter, compare handed-out cards and valid reserve cards with the HR register.
rule-R-CARD-9 = PUK code
remedy-R-CARD-9 = Order the PUK for an existing card; it is sent by registered mail to the registered address after about 2 days and charged to the holder's unit. After too many wrong PUK entries the card is locked for good: deregister it and order a new card.

## Reserve cards and stock

rule-R-RES-1 = Reserve card stock
remedy-R-RES-1 = Order reserve cards with their PIN letters in bundles and keep them in the locked safe; order more when stock runs low.
rule-R-RES-2 = Reserve card handed out in the same visit
remedy-R-RES-2 = Hand out the reserve card in the same visit as the order, with its PIN letter unopened, and give the credential a validity of at most 180 days. Discard a card whose PIN letter has been opened.
rule-R-RES-3 = Reuse of a reserve card
remedy-R-RES-3 = Only the person who first got the reserve card may reuse it. Deregister a reserve card not reused within a year.
rule-R-RES-4 = Danish stock of key cards
remedy-R-RES-4 = Order key cards, temporary passcode letters and CD-ROMs in boxes of 50, 200 or 500 to the RA's address. Do not use envelopes that show signs of opening.
rule-R-RES-5 = Reserve card at trust level 3
remedy-R-RES-5 = A second officer with the KRA role must co-sign (both also with KUR for a protected identity); otherwise the reserve card is issued at level 2.

## Credentials

rule-R-CRED-1 = Authentication and signing certificate together
remedy-R-CRED-1 = A credential is a pair of certificates: always revoke both together.
rule-R-CRED-2 = Credential validity
remedy-R-CRED-2 = Choose a validity that matches the employment or assignment: at most 5 years, never beyond the card's validity, and at most 180 days on a reserve card.
rule-R-CRED-3 = Existing certificates revoked first
remedy-R-CRED-3 = Revoke the certificates already on the card, then order the new credential.
rule-R-CRED-4 = Download in self-service
remedy-R-CRED-4 = Create the order basis; the holder then downloads the credential in self-service and, for a reserve card, signs the receipt electronically.
rule-R-CRED-5 = Credential content
remedy-R-CRED-5 = Check given and family name, HSA-id and e-mail address; a professional title only for licensed professions.
rule-R-CRED-6 = Credential expiring
remedy-R-CRED-6 = The holder is e-mailed 45 days before expiry. Order a new credential if the employment continues.
rule-R-CRED-7 = Function certificate
remedy-R-CRED-7 = Function (system) certificates are a separate type of credential: order them as function certificates, not on a person's card.

## Revocation

rule-R-REV-1 = Who may request revocation
remedy-R-REV-1 = Only the holder, the holder's manager within their own unit, or the RA may request revocation. Refer anyone else to the RA.
rule-R-REV-2 = Identifying the requester
remedy-R-REV-2 = Identify the requester in person with ID, by personal knowledge or, where misuse is feared, by call-back or control questions; record the method.
rule-R-REV-3 = Reason for revocation
remedy-R-REV-3 = Record the reason for the revocation. Deregistering a card revokes all its credentials; check the next day that the revocation took effect.
rule-R-REV-4 = Lost or stolen SIS card
remedy-R-REV-4 = Tell the holder to report the ID card to the police.
rule-R-REV-5 = Misuse
remedy-R-REV-5 = Revoke credentials and/or rights at once and inform the unit manager, the RA and the security officer; in serious cases also the CA and the card supplier.
rule-R-REV-6 = Revocation requests kept for 10 years
remedy-R-REV-6 = Revocation requests are kept for 10 years and cannot be removed before then.

## Danish public RA

rule-R-DK-1 = Issuance in person (Denmark)
remedy-R-DK-1 = Hand over the rules and have them accepted, check the ID, enter the CPR number, record the document type and register the envelopes by number. Sign the registration before the passcode letter is handed over.
rule-R-DK-2 = Large-print key cards
remedy-R-DK-2 = Mark the wish for large print so that later key cards are also in large print.
rule-R-DK-3 = Blind citizens
remedy-R-DK-3 = Offer to read the rules aloud; give the passcode on CD-ROM (register its number) or by SMS, and register a phone number for key delivery, with a test call when possible.
rule-R-DK-4 = Passcode pickup at a chosen RA
remedy-R-DK-4 = Stamp the pickup instruction with its arrival date and destroy it if it is not collected by its expiry. Require a Danish passport (a driving licence for protected persons) and record its number and expiry.
rule-R-DK-5 = At most 10 extra key cards
remedy-R-DK-5 = Hand out at most 10 extra key cards per visit, each entered and signed separately.
rule-R-DK-6 = Forgotten passcode
remedy-R-DK-6 = Tell the citizen that the signature is reissued and old encrypted data become unreadable, and go on only when they accept. Check the ID document without recording it.
rule-R-DK-7 = Help with revocation
remedy-R-DK-7 = Help the citizen revoke certificates, key cards or passcodes.
rule-R-DK-8 = MitID authenticators and assurance level
remedy-R-DK-8 = Record the assurance level (NSIS low, substantial or high); high needs the citizen present and a second officer's approval. A suspension can be lifted, a block cannot. A paper activation code is valid for 48 hours and blocked after 3 wrong tries.

## Contact and reservation register

rule-R-KRR-1 = Entry in the contact and reservation register
remedy-R-KRR-1 = Check mobile number, e-mail address, reservation status, digital mailbox and preferred language in the person's entry.
rule-R-KRR-2 = Lookups in batches
remedy-R-KRR-2 = Look up at most 1000 ids per request; the addresses of protected persons are never returned.
rule-R-KRR-3 = The citizen's own entry
remedy-R-KRR-3 = Only the citizen can change their entry or reserve themselves against digital communication; organisations have no such right.
rule-R-KRR-4 = Every lookup is logged
remedy-R-KRR-4 = Give the agency and the purpose of the lookup.
rule-R-KRR-5 = Contact details out of date
remedy-R-KRR-5 = The contact details have been neither updated nor verified for 18 months, so the person cannot be notified digitally; send on paper.

## Secure digital post

rule-R-POST-1 = Letter to a digital mailbox
remedy-R-POST-1 = Give the main document as PDF, a title without sensitive content, the security level and notification, and the recipient's national id number.
rule-R-POST-2 = Digital or paper
remedy-R-POST-2 = The register decides: the digital mailbox when the person has one and has not opted out, otherwise print to the registered address.
rule-R-POST-3 = Receipts for letters
remedy-R-POST-3 = Follow the letter's receipts: every accepted letter ends delivered, printed or failed with a reason.
rule-R-POST-4 = Price per letter
remedy-R-POST-4 = Letters are priced by size and invoiced to the sender; check the sender's invoice reference.
rule-R-POST-5 = Sender onboarding
remedy-R-POST-5 = Register the sender with enterprise certificate, organisation number, display name and logo, contact points and invoice reference.
rule-R-POST-6 = Names and addresses for print
remedy-R-POST-6 = Names and addresses for print come from the population register; protected addresses are never printed or shown.
rule-R-POST-7 = Municipal sending hub
remedy-R-POST-7 = Send through the hub: citizens get the letter in their digital mailbox or on paper, organisations in their own inbox.

## E-signing

rule-R-SIG-1 = Signature job
remedy-R-SIG-1 = Give one or more PDF documents, the signers' national id numbers, security level 3 or 4 and, if wanted, a deadline.
rule-R-SIG-2 = Signing now or later
remedy-R-SIG-2 = Synchronous: the signer signs at once in the service's own flow. Asynchronous: the signer is notified and signs in the portal before the deadline.
rule-R-SIG-3 = Signed documents
remedy-R-SIG-3 = The signed document is delivered as PAdES and XAdES, witnessed and sealed by the service, for long-term validation and archiving.
rule-R-SIG-4 = Status of a signature job
remedy-R-SIG-4 = Check each signer's status (waiting, signed, rejected, expired, failed). A job past its deadline has expired and must be sent again.
rule-R-SIG-5 = Kind of e-signature
remedy-R-SIG-5 = Choose an authenticated e-signature (level 3 or 4) or an advanced e-signature (level 4, the signer's own keys), as the job requires.
rule-R-SIG-6 = Uses of e-signing
remedy-R-SIG-6 = Use e-signing for documents such as employment contracts, confidentiality declarations, complaints, consent to research, guardians' signatures and ballots.

## The state of a record

rule-R-STATE = Not possible in the current state
remedy-R-STATE = The record is not in a state that allows this action. Reload the page, check its status and history, and take the next step offered.
