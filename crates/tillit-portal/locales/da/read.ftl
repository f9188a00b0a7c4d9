# De sider, der kun viser (søgning, person, kort, rapporter), dansk.

## Fælles

read-none = –
read-not-signed = Ikke signeret
read-forbidden-title = Ikke tilladt
read-forbidden-text = Ingen af dine roller tillader dette. Kontakt en RA-administrator, hvis du har brug for det.
read-refused-title = Anmodningen blev ikke godkendt
read-error-summary = Noget skal rettes
read-protected-identity = (navne- og adressebeskyttelse)
read-protected-identity-shown = Navne- og adressebeskyttelse.
read-protected-identity-note = Navn og adresse er skjult for sagsbehandlere uden rettigheden til beskyttede personer (KUR). Giv dem ikke videre.
read-not-in-directory = (findes ikke i kataloget)
read-no-unit = (ingen enhed)
read-unit = Enhed
read-next-page = Næste side
read-actions = Det kan du gøre
read-card-open = Kort

## Kolonner

read-col-name = Navn
read-col-national-id = CPR-nummer
read-col-hsa-id = HSA-id
read-col-unit = Enhed
read-col-kind = Type
read-col-start = Fra
read-col-end = Til
read-col-card = Kort
read-col-status = Status
read-col-serial = Kortnummer
read-col-created = Bestillingsgrundlag oprettet
read-col-handed-out = Udleveret
read-col-valid-until = Gyldigt til
read-col-ended = Afsluttet
read-col-basis = Baseret på
read-col-ordered = Bestilt
read-col-sent = Sendt
read-col-closed = Modtaget eller returneret
read-col-cost = Pris
read-col-credential-until = E-tjenestelegitimation gyldig til
read-col-role = Rolle
read-col-scope = Gælder for
read-col-time = Tidspunkt
read-col-action = Hvad der blev gjort
read-col-actor = Af
read-col-signature = Signatur
read-col-step = Trin
read-col-day = Dato
read-col-holder = Kortindehaver
read-col-problem = Afvigelse
read-col-detail = Detaljer
read-col-days-left = Dage tilbage
read-col-removed-on = Fjernet fra kataloget
read-col-certificate-name = Navn i certifikatet
read-col-options = Måder at løse det på
read-col-in-stock = I pengeskabet
read-col-on-order = Bestilt
read-col-threshold = Grænse for lavt lager
read-col-stock = Lager
read-col-orders = Bestillinger

## Søgning

read-search-title = Søg efter person
read-search-hint = Et navn (efternavn først, eller begyndelsen af det), et CPR-nummer, et personnummer eller et HSA-id.
read-search-results = Søgeresultat
read-search-caption = Personer, der passer med “{ $q }”
read-search-none = Ingen i dine enheder passer med “{ $q }”.
read-search-no-more = Ikke flere personer passer med “{ $q }”.
read-search-bad-query = Skriv 1 til 200 tegn: begyndelsen af et navn eller et nummer.
read-search-bad-page = Denne side af søgeresultatet findes ikke længere. Søg igen.

## En person

read-person-title = Person
read-identity = Personoplysninger
read-email = E-mail
read-name-checked = Navnet kontrolleret mod folkeregistret
read-name-not-checked = Ikke kontrolleret
read-secured = Sikret personpost (R-PER-2)
read-secured-yes = Ja
read-secured-no = Nej
read-action-order-card = Bestil e-tjenestelegitimation på nyt kort (bestillingsgrundlag)
read-action-revocation = Spær eller anmod om spærring
read-action-roles = Roller
read-action-function-credential = Bestil funktionscertifikat
read-employments = Ansættelser og opgaver
read-employments-caption = Ansættelser og opgaver for { $name } i dine enheder
read-employments-none = Ingen ansættelse i dine enheder.
read-employment-kind-employment = Ansættelse
read-employment-kind-assignment = Opgave
read-until-further = Indtil videre
read-cards = Kort
read-cards-caption = Kort for { $name }
read-cards-none = Ingen kort.
read-credentials = E-tjenestelegitimationer
read-credentials-caption = E-tjenestelegitimationer for { $name }
read-credentials-none = Ingen e-tjenestelegitimationer.
read-puk-orders = PUK-bestillinger
read-puk-orders-caption = PUK-bestillinger for { $name }
read-puk-orders-none = Ingen PUK-bestillinger.
read-reserve-cards = Reservekort
read-reserve-cards-caption = Reservekort for { $name }
read-reserve-cards-none = Ingen reservekort.
read-roles = Roller
read-roles-caption = Roller for { $name }
read-roles-none = Ingen roller i dine enheder.
read-history = Historik
read-history-caption = Det, der er gjort for { $name } og personens kort, nyeste først
read-history-none = Intet registreret endnu.
read-history-no-more = Ingen ældre hændelser.
read-history-older = Ældre hændelser
read-history-older-title = ældre hændelser
read-actor-officer = En sagsbehandler
read-actor-system = tillit (automatisk)
read-actor-holder = Kortindehaveren
read-actor-responsible = Den ansvarlige person
read-actor-operator = Systemets driftsansvarlige
read-actor-other = En anden
read-signed-passkey = Signeret med adgangsnøgle
read-signed-certificate = Signeret med certifikat
read-signed-unknown = Signeret (ukendt format)

## Typer og årsager

read-card-kind-sis = SIS-kort
read-card-kind-osis = OSIS-kort
read-card-kind-company = Firmakort
read-card-kind-reserve = Reservekort
read-credential-kind-card_pair = E-tjenestelegitimation på kort
read-credential-kind-function = Funktionscertifikat
read-basis-hsa_id = HSA-id
read-basis-national_id = Personnummer
read-role-ra = RA-administrator
read-role-kra = Sagsbehandler for e-tjenestekort (CRA/KRA)
read-role-lra = Sagsbehandler for reservekort (LRA)
read-role-ora = Enheds-RA med adgang til pengeskabet (ORA)
read-role-kur = Beskyttede personer (KUR)
read-role-hsa_admin = HSA-administrator
read-role-manager = Leder
read-role-security_officer = Sikkerhedsansvarlig
read-role-card_holder = Kortindehaver
read-role-auditor = Revisor
read-role-dk_ra_admin = RA-administrator (DK)
read-role-dk_ra_employee = RA-medarbejder (DK)
read-end-reason-lost = Mistet
read-end-reason-stolen = Stjålet
read-end-reason-left_employment = Fratrådt
read-end-reason-replaced = Erstattet af nyt kort
read-end-reason-damaged = Beskadiget
read-end-reason-not_returned = Ikke afleveret
read-end-reason-misuse = Misbrug
read-end-reason-uncollected = Ikke afhentet i tide
read-end-reason-wrong_name = Forkert navn på kortet
read-end-reason-puk_locked = Låst efter forkerte PUK-koder
read-end-reason-not_reused = Ikke genbrugt i tide
read-end-reason-person_removed = Personen fjernet fra kataloget

## Et kort

read-card-title = Kort
read-card-facts = Kortet
read-card-id = Kortets id
read-card-serial = Kortnummer
read-card-valid-until = Gyldigt til
read-card-collect-by = Skal afhentes senest (R-CARD-4)
read-card-end-reason = Årsag til afregistrering
read-card-receipt = Kortindehaverens kvittering
read-card-claimed = Reklameret hos kortleverandøren
read-holder-out-of-scope = Ikke i dine enheder
read-card-lifecycle = Kortets livsforløb
read-card-lifecycle-caption = Trinene for { $card }
read-card-date-order_basis = Bestillingsgrundlag oprettet
read-card-date-ordered = Bestilt
read-card-date-sent = Sendt til kortleverandøren
read-card-date-delivered = Leveret til RA
read-card-date-handed_out = Udleveret
read-card-date-in_use = I brug
read-card-date-claimed = Reklameret
read-card-date-ended = Afleveret eller afregistreret
read-card-date-destroyed = Makuleret
read-card-credentials-caption = E-tjenestelegitimationer på { $card }
read-card-puk-orders-caption = PUK-bestillinger til { $card }
read-card-action-order = Bestil kortet (personen til stede)
read-card-action-batch = Send bestillinger til kortleverandøren
read-card-action-delivery = Registrer leveringen
read-card-action-hand-out = Udlever kortet
read-card-action-credential = Bestil e-tjenestelegitimation til kortet
read-card-action-puk = Bestil PUK-kode
read-card-action-deregistration = Afregistrer kortet
read-card-action-claim = Reklamer kortet
read-card-action-return = Registrer kortet som afleveret
read-card-action-move = Flyt kortet til en anden enhed
read-card-action-destruction = Registrer kortet som makuleret

## Rapporter

read-reports-title = Rapporter
read-reports-intro = Hver rapport omfatter de enheder, hvor du må læse rapporter.
read-reports-not-allowed = Ingen af dine roller giver adgang til rapporter.
read-report-reconciliation = Kort sammenholdt med HR-registret
read-report-expiring = E-tjenestelegitimationer, der udløber
read-report-limbo = E-tjenestelegitimationer for personer fjernet fra kataloget
read-report-name-mismatch = Navnet i kataloget og i certifikatet er forskelligt
read-report-stock = Lager af reservekort
read-report-puk-costs = PUK-udgifter pr. enhed
read-report-rule = Regel
read-report-from = Fra (første dag)
read-report-to = Til (sidste dag)
read-report-as-of-day = Pr. dato
read-report-unit = Enhed
read-report-all-units = Alle mine enheder
read-report-show = Vis
read-report-bad-field = Kontroller den værdi, du angav.
read-report-period = fra { $from } til { $to }
read-report-as-of = pr. { $day }
read-report-now = lige nu ({ $day })
read-report-period-label = Periode
read-report-chart = Diagram
read-report-csv = Hent som CSV (regneark)
read-report-table = Tal
read-report-empty = Intet at rapportere.
read-report-caption = { $title }, { $period }: { $count ->
    [one] { $rows } række
   *[other] { $rows } rækker
}
read-chart-alt = Søjlediagram over “{ $title }”: { $summary }. De samme tal står i tabellen nedenfor.
read-chart-empty = intet at vise
read-problem-no_employment = Ingen ansættelse
read-problem-other_unit = Kort i en anden enhed
read-problem-several_cards = Flere aktive kort
read-mismatch-correct_directory = Ret kataloget
read-mismatch-reissue_to_same_card = Ny e-tjenestelegitimation til samme kort
read-mismatch-replace_card = Nyt kort
read-stock-low = Lavt
read-stock-enough = Tilstrækkeligt
read-receipt-title = Kvittering for e-tjenestekort
read-receipt-text = Jeg har modtaget kortet ovenfor og PIN-brevet uåbnet, og jeg har fået reglerne for brugen: kortet er personligt, pinkoden opbevares adskilt fra kortet, og et mistet kort meldes straks, så certifikaterne spærres.
read-receipt-holder-signs = Kortindehaverens underskrift og navn med blokbogstaver
read-receipt-officer-signs = Sagsbehandlerens underskrift
read-receipt-back = Tilbage til kortet
read-receipt-print = Kvitteringen, til udskrift
