# Sidene som bare viser (søk, person, kort, rapporter), norsk bokmål.

## Felles

read-none = –
read-not-signed = Ikke signert
read-forbidden-title = Ikke tillatt
read-forbidden-text = Ingen av rollene dine tillater dette. Kontakt en RA-administrator hvis du trenger det.
read-refused-title = Forespørselen ble ikke godtatt
read-error-summary = Noe må rettes
read-protected-identity = (beskyttet identitet)
read-protected-identity-shown = Beskyttet identitet.
read-protected-identity-note = Navn og adresse er skjult for saksbehandlere uten rettigheten for beskyttet identitet (KUR). Ikke gi dem videre.
read-not-in-directory = (finnes ikke i katalogen)
read-no-unit = (ingen enhet)
read-unit = Enhet
read-next-page = Neste side
read-actions = Dette kan du gjøre
read-card-open = Kort

## Kolonner

read-col-name = Navn
read-col-national-id = Fødselsnummer
read-col-hsa-id = HSA-id
read-col-unit = Enhet
read-col-kind = Type
read-col-start = Fra
read-col-end = Til
read-col-card = Kort
read-col-status = Status
read-col-serial = Kortnummer
read-col-created = Bestillingsgrunnlag opprettet
read-col-handed-out = Utlevert
read-col-valid-until = Gyldig til
read-col-ended = Avsluttet
read-col-basis = Basert på
read-col-ordered = Bestilt
read-col-sent = Sendt
read-col-closed = Mottatt eller i retur
read-col-cost = Kostnad
read-col-credential-until = E-tjenestelegitimasjon gyldig til
read-col-role = Rolle
read-col-scope = Gjelder for
read-col-time = Tidspunkt
read-col-action = Hva som ble gjort
read-col-actor = Av
read-col-signature = Signatur
read-col-step = Trinn
read-col-day = Dato
read-col-holder = Kortinnehaver
read-col-problem = Avvik
read-col-detail = Detaljer
read-col-days-left = Dager igjen
read-col-removed-on = Fjernet fra katalogen
read-col-certificate-name = Navn i sertifikatet
read-col-options = Måter å løse det på
read-col-in-stock = I safen
read-col-on-order = Bestilt
read-col-threshold = Grense for lavt lager
read-col-stock = Lager
read-col-orders = Bestillinger

## Søk

read-search-title = Søk etter person
read-search-hint = Et navn (etternavn først, eller begynnelsen av det), et fødselsnummer eller en HSA-id.
read-search-results = Søkeresultat
read-search-caption = Personer som passer med «{ $q }»
read-search-none = Ingen i enhetene dine passer med «{ $q }».
read-search-no-more = Ingen flere personer passer med «{ $q }».
read-search-bad-query = Skriv 1 til 200 tegn: begynnelsen av et navn, eller et nummer.
read-search-bad-page = Denne siden av søkeresultatet finnes ikke lenger. Søk på nytt.

## En person

read-person-title = Person
read-identity = Personopplysninger
read-email = E-post
read-name-checked = Navnet kontrollert mot folkeregisteret
read-name-not-checked = Ikke kontrollert
read-secured = Sikret personpost (R-PER-2)
read-secured-yes = Ja
read-secured-no = Nei
read-action-order-card = Be om e-tjenestelegitimasjon på nytt kort (bestillingsgrunnlag)
read-action-revocation = Sperr eller be om sperring
read-action-roles = Roller
read-action-function-credential = Bestill funksjonssertifikat
read-employments = Ansettelser og oppdrag
read-employments-caption = Ansettelser og oppdrag for { $name } i enhetene dine
read-employments-none = Ingen ansettelse i enhetene dine.
read-employment-kind-employment = Ansettelse
read-employment-kind-assignment = Oppdrag
read-until-further = Inntil videre
read-cards = Kort
read-cards-caption = Kort for { $name }
read-cards-none = Ingen kort.
read-credentials = E-tjenestelegitimasjoner
read-credentials-caption = E-tjenestelegitimasjoner for { $name }
read-credentials-none = Ingen e-tjenestelegitimasjoner.
read-puk-orders = PUK-bestillinger
read-puk-orders-caption = PUK-bestillinger for { $name }
read-puk-orders-none = Ingen PUK-bestillinger.
read-reserve-cards = Reservekort
read-reserve-cards-caption = Reservekort for { $name }
read-reserve-cards-none = Ingen reservekort.
read-roles = Roller
read-roles-caption = Roller for { $name }
read-roles-none = Ingen roller i enhetene dine.
read-history = Historikk
read-history-caption = Det som er gjort for { $name } og personens kort, nyeste først
read-history-none = Ingenting registrert ennå.
read-history-no-more = Ingen eldre hendelser.
read-history-older = Eldre hendelser
read-history-older-title = eldre hendelser
read-actor-officer = En saksbehandler
read-actor-system = tillit (automatisk)
read-actor-holder = Kortinnehaveren
read-actor-responsible = Den ansvarlige personen
read-actor-operator = Systemets driftsansvarlige
read-actor-other = Noen andre
read-signed-passkey = Signert med passnøkkel
read-signed-certificate = Signert med sertifikat
read-signed-unknown = Signert (ukjent format)

## Typer og årsaker

read-card-kind-sis = SIS-kort
read-card-kind-osis = OSIS-kort
read-card-kind-company = Firmakort
read-card-kind-reserve = Reservekort
read-credential-kind-card_pair = E-tjenestelegitimasjon på kort
read-credential-kind-function = Funksjonssertifikat
read-basis-hsa_id = HSA-id
read-basis-national_id = Personnummer
read-role-ra = RA-administrator
read-role-kra = Saksbehandler for e-tjenestekort (CRA/KRA)
read-role-lra = Saksbehandler for reservekort (LRA)
read-role-ora = Enhets-RA med tilgang til safen (ORA)
read-role-kur = Beskyttet identitet (KUR)
read-role-hsa_admin = HSA-administrator
read-role-manager = Leder
read-role-security_officer = Sikkerhetsansvarlig
read-role-card_holder = Kortinnehaver
read-role-auditor = Revisor
read-role-dk_ra_admin = RA-administrator (DK)
read-role-dk_ra_employee = RA-medarbeider (DK)
read-end-reason-lost = Mistet
read-end-reason-stolen = Stjålet
read-end-reason-left_employment = Sluttet i virksomheten
read-end-reason-replaced = Erstattet av nytt kort
read-end-reason-damaged = Skadet
read-end-reason-not_returned = Ikke levert inn
read-end-reason-misuse = Misbruk
read-end-reason-uncollected = Ikke hentet i tide
read-end-reason-wrong_name = Feil navn på kortet
read-end-reason-puk_locked = Låst etter feil PUK-koder
read-end-reason-not_reused = Ikke gjenbrukt i tide
read-end-reason-person_removed = Personen fjernet fra katalogen

## Et kort

read-card-title = Kort
read-card-facts = Kortet
read-card-id = Kortets id
read-card-serial = Kortnummer
read-card-valid-until = Gyldig til
read-card-collect-by = Må hentes senest (R-CARD-4)
read-card-end-reason = Årsak til avregistrering
read-card-receipt = Kortinnehaverens kvittering
read-card-claimed = Reklamert hos kortleverandøren
read-holder-out-of-scope = Ikke i enhetene dine
read-card-lifecycle = Kortets livsløp
read-card-lifecycle-caption = Trinnene for { $card }
read-card-date-order_basis = Bestillingsgrunnlag opprettet
read-card-date-ordered = Bestilt
read-card-date-sent = Sendt til kortleverandøren
read-card-date-delivered = Levert til RA
read-card-date-handed_out = Utlevert
read-card-date-in_use = I bruk
read-card-date-claimed = Reklamert
read-card-date-ended = Levert inn eller avregistrert
read-card-date-destroyed = Makulert
read-card-credentials-caption = E-tjenestelegitimasjoner på { $card }
read-card-puk-orders-caption = PUK-bestillinger for { $card }
read-card-action-order = Bestill kortet (personen til stede)
read-card-action-batch = Send bestillinger til kortleverandøren
read-card-action-delivery = Registrer leveransen
read-card-action-hand-out = Utlever kortet
read-card-action-credential = Bestill e-tjenestelegitimasjon til kortet
read-card-action-puk = Bestill PUK-kode
read-card-action-deregistration = Avregistrer kortet
read-card-action-claim = Reklamer kortet
read-card-action-return = Registrer kortet som levert inn
read-card-action-move = Flytt kortet til en annen enhet
read-card-action-destruction = Registrer kortet som makulert

## Rapporter

read-reports-title = Rapporter
read-reports-intro = Hver rapport omfatter enhetene der du kan lese rapporter.
read-reports-not-allowed = Ingen av rollene dine gir tilgang til rapporter.
read-report-reconciliation = Kort sammenholdt med HR-registeret
read-report-expiring = E-tjenestelegitimasjoner som utløper
read-report-limbo = E-tjenestelegitimasjoner for personer fjernet fra katalogen
read-report-name-mismatch = Navnet i katalogen og i sertifikatet er forskjellig
read-report-stock = Lager av reservekort
read-report-puk-costs = PUK-kostnader per enhet
read-report-rule = Regel
read-report-from = Fra (første dag)
read-report-to = Til (siste dag)
read-report-as-of-day = Per dato
read-report-unit = Enhet
read-report-all-units = Alle enhetene mine
read-report-show = Vis
read-report-bad-field = Kontroller verdien du oppga.
read-report-period = fra { $from } til { $to }
read-report-as-of = per { $day }
read-report-now = nå ({ $day })
read-report-period-label = Periode
read-report-chart = Diagram
read-report-csv = Last ned som CSV (regneark)
read-report-table = Tall
read-report-empty = Ingenting å rapportere.
read-report-caption = { $title }, { $period }: { $count ->
    [one] { $rows } rad
   *[other] { $rows } rader
}
read-chart-alt = Stolpediagram over «{ $title }»: { $summary }. De samme tallene står i tabellen nedenfor.
read-chart-empty = ingenting å vise
read-problem-no_employment = Ingen ansettelse
read-problem-other_unit = Kort i en annen enhet
read-problem-several_cards = Flere aktive kort
read-mismatch-correct_directory = Rett katalogen
read-mismatch-reissue_to_same_card = Ny e-tjenestelegitimasjon til samme kort
read-mismatch-replace_card = Nytt kort
read-stock-low = Lavt
read-stock-enough = Tilstrekkelig
read-receipt-title = Kvittering for e-tjenestekort
read-receipt-text = Jeg har mottatt kortet ovenfor og PIN-brevet uåpnet, og jeg har fått reglene for bruken: kortet er personlig, PIN-koden oppbevares adskilt fra kortet, og et mistet kort meldes straks slik at sertifikatene sperres.
read-receipt-holder-signs = Kortinnehaverens signatur og navn med blokkbokstaver
read-receipt-officer-signs = Saksbehandlerens signatur
read-receipt-back = Tilbake til kortet
read-receipt-print = Kvitteringen, for utskrift
