# De läsbara sidorna (sök, person, kort, rapporter), svenska.

## Gemensamt

read-none = –
read-not-signed = Inte signerad
read-forbidden-title = Inte tillåtet
read-forbidden-text = Ingen av dina behörigheter tillåter detta. Kontakta en RA-administratör om du behöver det.
read-refused-title = Begäran godtogs inte
read-error-summary = Något behöver rättas
read-protected-identity = (skyddad identitet)
read-protected-identity-shown = Skyddade personuppgifter.
read-protected-identity-note = Namn och adress är dolda för handläggare utan behörigheten KUR. Lämna inte ut dem.
read-not-in-directory = (finns inte i katalogen)
read-no-unit = (ingen enhet)
read-unit = Enhet
read-next-page = Nästa sida
read-actions = Det här kan du göra
read-card-open = Kort

## Kolumner

read-col-name = Namn
read-col-national-id = Personnummer
read-col-hsa-id = HSA-id
read-col-unit = Enhet
read-col-kind = Typ
read-col-start = Från
read-col-end = Till
read-col-card = Kort
read-col-status = Status
read-col-serial = Kortnummer
read-col-created = Underlag skapat
read-col-handed-out = Utlämnat
read-col-valid-until = Giltigt till
read-col-ended = Avslutad
read-col-basis = Grundad på
read-col-ordered = Beställd
read-col-sent = Skickad
read-col-closed = Mottagen eller returnerad
read-col-cost = Kostnad
read-col-credential-until = E-tjänstelegitimation giltig till
read-col-role = Behörighet
read-col-scope = Gäller för
read-col-time = Tid
read-col-action = Vad som gjordes
read-col-actor = Av
read-col-signature = Signatur
read-col-step = Steg
read-col-day = Dag
read-col-holder = Kortinnehavare
read-col-problem = Avvikelse
read-col-detail = Detaljer
read-col-days-left = Dagar kvar
read-col-removed-on = Borttagen ur katalogen
read-col-certificate-name = Namn i certifikatet
read-col-options = Sätt att åtgärda
read-col-in-stock = I säkerhetsskåpet
read-col-on-order = Beställda
read-col-threshold = Gräns för lågt lager
read-col-stock = Lager
read-col-orders = Beställningar

## Sök

read-search-title = Sök person
read-search-hint = Ett namn (efternamn först, eller början av det), ett personnummer eller ett HSA-id.
read-search-results = Sökresultat
read-search-caption = Personer som matchar ”{ $q }”
read-search-none = Ingen på dina enheter matchar ”{ $q }”.
read-search-no-more = Inga fler personer matchar ”{ $q }”.
read-search-bad-query = Ange 1 till 200 tecken: början av ett namn, eller ett nummer.
read-search-bad-page = Den här sidan av sökresultatet finns inte längre. Sök igen.

## En person

read-person-title = Person
read-identity = Personuppgifter
read-email = E-post
read-name-checked = Namnet kontrollerat mot folkbokföringen
read-name-not-checked = Inte kontrollerat
read-secured = Säkrad personpost (R-PER-2)
read-secured-yes = Ja
read-secured-no = Nej
read-action-order-card = Begär HCC till nytt kort (beställningsunderlag)
read-action-revocation = Spärra eller begär spärr
read-action-roles = Behörigheter
read-action-function-credential = Beställ funktionscertifikat
read-employments = Anställningar och uppdrag
read-employments-caption = Anställningar och uppdrag för { $name } på dina enheter
read-employments-none = Ingen anställning på dina enheter.
read-employment-kind-employment = Anställning
read-employment-kind-assignment = Uppdrag
read-until-further = Tills vidare
read-cards = Kort
read-cards-caption = Kort för { $name }
read-cards-none = Inga kort.
read-credentials = E-tjänstelegitimationer
read-credentials-caption = E-tjänstelegitimationer för { $name }
read-credentials-none = Inga e-tjänstelegitimationer.
read-puk-orders = PUK-beställningar
read-puk-orders-caption = PUK-beställningar för { $name }
read-puk-orders-none = Inga PUK-beställningar.
read-reserve-cards = Reservkort
read-reserve-cards-caption = Reservkort för { $name }
read-reserve-cards-none = Inga reservkort.
read-roles = Behörigheter
read-roles-caption = Behörigheter för { $name }
read-roles-none = Inga behörigheter på dina enheter.
read-history = Historik
read-history-caption = Det som gjorts för { $name } och personens kort, senaste först
read-history-none = Inget registrerat ännu.
read-history-no-more = Inga äldre händelser.
read-history-older = Äldre händelser
read-history-older-title = äldre händelser
read-actor-officer = En handläggare
read-actor-system = tillit (automatiskt)
read-actor-holder = Kortinnehavaren
read-actor-responsible = Den ansvariga personen
read-actor-operator = Systemets driftansvariga
read-actor-other = Någon annan
read-signed-passkey = Signerad med nyckel (passkey)
read-signed-certificate = Signerad med certifikat
read-signed-unknown = Signerad (okänt format)

## Typer och orsaker

read-card-kind-sis = SIS-kort
read-card-kind-osis = OSIS-kort
read-card-kind-company = Företagskort
read-card-kind-reserve = Reservkort
read-credential-kind-card_pair = E-tjänstelegitimation på kort
read-credential-kind-function = Funktionscertifikat
read-basis-hsa_id = HSA-id
read-basis-national_id = Personnummer
read-role-ra = RA-administratör
read-role-kra = Handläggare e-tjänstekort (CRA/KRA)
read-role-lra = Handläggare reservkort (LRA)
read-role-ora = Enhets-RA med tillgång till säkerhetsskåpet (ORA)
read-role-kur = Skyddade personuppgifter (KUR)
read-role-hsa_admin = HSA-administratör
read-role-manager = Verksamhetsansvarig
read-role-security_officer = Säkerhetsansvarig
read-role-card_holder = Kortinnehavare
read-role-auditor = Granskare
read-role-dk_ra_admin = RA-administratör (DK)
read-role-dk_ra_employee = RA-medarbetare (DK)
read-end-reason-lost = Förlorat
read-end-reason-stolen = Stulet
read-end-reason-left_employment = Slutat sin anställning
read-end-reason-replaced = Ersatt av nytt kort
read-end-reason-damaged = Skadat
read-end-reason-not_returned = Ej återlämnat
read-end-reason-misuse = Missbruk
read-end-reason-uncollected = Inte hämtat i tid
read-end-reason-wrong_name = Fel namn på kortet
read-end-reason-puk_locked = Låst efter felaktiga PUK-koder
read-end-reason-not_reused = Inte återanvänt i tid
read-end-reason-person_removed = Personen borttagen ur katalogen

## Ett kort

read-card-title = Kort
read-card-facts = Kortet
read-card-id = Kortets id
read-card-serial = Kortnummer
read-card-valid-until = Giltigt till
read-card-collect-by = Ska hämtas senast (R-CARD-4)
read-card-end-reason = Orsak till avregistrering
read-card-receipt = Kortinnehavarens kvittens
read-card-claimed = Reklamerat hos kortleverantören
read-holder-out-of-scope = Inte på dina enheter
read-card-lifecycle = Kortets livscykel
read-card-lifecycle-caption = Stegen för { $card }
read-card-date-order_basis = Beställningsunderlag skapat
read-card-date-ordered = Beställt
read-card-date-sent = Skickat till kortleverantören
read-card-date-delivered = Levererat till RA
read-card-date-handed_out = Utlämnat
read-card-date-in_use = I bruk
read-card-date-claimed = Reklamerat
read-card-date-ended = Återlämnat eller avregistrerat
read-card-date-destroyed = Makulerat
read-card-credentials-caption = E-tjänstelegitimationer på { $card }
read-card-puk-orders-caption = PUK-beställningar för { $card }
read-card-action-order = Beställ kortet (personen närvarande)
read-card-action-batch = Skicka beställningar till kortleverantören
read-card-action-delivery = Registrera leveransen
read-card-action-hand-out = Lämna ut kortet
read-card-action-credential = Begär HCC till befintligt kort
read-card-action-puk = Beställ PUK-kod
read-card-action-deregistration = Avregistrera kortet
read-card-action-claim = Reklamera kortet
read-card-action-return = Registrera kortet som återlämnat
read-card-action-move = Flytta kortet till en annan enhet
read-card-action-destruction = Registrera kortet som makulerat

## Rapporter

read-reports-title = Rapporter
read-reports-intro = Varje rapport omfattar de enheter där du får läsa rapporter.
read-reports-not-allowed = Ingen av dina behörigheter ger tillgång till rapporter.
read-report-reconciliation = Kort jämförda med PA-registret
read-report-expiring = Utgående e-tjänstelegitimationer
read-report-limbo = E-tjänstelegitimationer för personer borttagna ur katalogen
read-report-name-mismatch = Namnet i katalogen och i certifikatet skiljer sig åt
read-report-stock = Lager av reservkort
read-report-puk-costs = PUK-kostnader per enhet
read-report-rule = Regel
read-report-from = Från (första dag)
read-report-to = Till (sista dag)
read-report-as-of-day = Per dag
read-report-unit = Enhet
read-report-all-units = Alla mina enheter
read-report-show = Visa
read-report-bad-field = Kontrollera värdet du angav.
read-report-period = från { $from } till { $to }
read-report-as-of = per { $day }
read-report-now = just nu ({ $day })
read-report-period-label = Period
read-report-chart = Diagram
read-report-csv = Ladda ner som CSV (kalkylblad)
read-report-table = Siffror
read-report-empty = Inget att rapportera.
read-report-caption = { $title }, { $period }: { $count ->
    [one] { $rows } rad
   *[other] { $rows } rader
}
read-chart-alt = Stapeldiagram över ”{ $title }”: { $summary }. Samma siffror finns i tabellen nedan.
read-chart-empty = inget att visa
read-problem-no_employment = Ingen anställning
read-problem-other_unit = Kort på en annan enhet
read-problem-several_cards = Flera aktiva kort
read-mismatch-correct_directory = Rätta katalogen
read-mismatch-reissue_to_same_card = Ny e-tjänstelegitimation till samma kort
read-mismatch-replace_card = Nytt kort
read-stock-low = Lågt
read-stock-enough = Tillräckligt
read-receipt-title = Kvittens på e-tjänstekort
read-receipt-text = Jag har tagit emot kortet ovan och dess PIN-brev oöppnat, och jag har fått del av reglerna för användningen: kortet är personligt, PIN-koden förvaras skild från kortet, och ett förlorat kort anmäls genast så att certifikaten spärras.
read-receipt-holder-signs = Kortinnehavarens namnteckning och namnförtydligande
read-receipt-officer-signs = Handläggarens namnteckning
read-receipt-back = Tillbaka till kortet
read-receipt-print = Kvittensen, för utskrift
