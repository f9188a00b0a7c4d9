# Reglene i SPEC, norsk bokmål: for hver regel en tittel (`rule-…`) og et tiltak (`remedy-…`),
# det saksbehandleren gjør videre, som vises når regelen stanser en handling.

## Identifikatorer

rule-R-ID-1 = Svensk personnummer og samordningsnummer
remedy-R-ID-1 = Kontroller nummeret mot legitimasjonen: ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN (+ for personer som har fylt 100 år). Siste siffer er et kontrollsiffer; i et samordningsnummer er dagen økt med 60.
rule-R-ID-2 = Dansk CPR-nummer
remedy-R-ID-2 = Kontroller nummeret mot legitimasjonen eller et oppslag i CPR: DDMMÅÅ-SSSS med en fødselsdato som finnes. En feilet modulus 11-kontroll er bare en advarsel.
rule-R-ID-3 = Fødselsnummer, D-nummer og H-nummer
remedy-R-ID-3 = Kontroller de elleve sifrene mot legitimasjonen: begge kontrollsifrene må stemme. I et D-nummer er dagen økt med 40, i et H-nummer måneden; FH-nummer kan ikke brukes.
rule-R-ID-3a = Fødselsdato i nummeret
remedy-R-ID-3a = Fødselsdatoen i nummeret finnes ikke eller ligger fram i tid: se etter en skrivefeil. Skriv nummeret med eller uten det vanlige skilletegnet.
rule-R-ID-4 = Organisasjonsnummer
remedy-R-ID-4 = Kontroller nummeret mot registeret (svensk organisationsnummer, dansk CVR-nummer, norsk organisasjonsnummer): kontrollsifferet må stemme.
rule-R-ID-5 = HSA-id
remedy-R-ID-5 = Skriv HSA-id som landkode, organisasjonsnummer, bindestrek og lokal del (SE2120000738-abcd). Hver person har sin egen.
rule-R-ID-6 = Ugyldig nummer eller id
remedy-R-ID-6 = Rett feltet som meldingen nevner, og send på nytt; ingenting er lagret.

## Personer

rule-R-PER-1 = Personopplysninger
remedy-R-PER-1 = Fyll ut personopplysningene: id-nummer, navn som i folkeregisteret, HSA-id, kontaktopplysninger og ansettelse.
rule-R-PER-2 = Kontrollerte HR-opplysninger kreves
remedy-R-PER-2 = Før e-tjenestelegitimasjon bestilles: kontroller navnet mot folkeregisteret, sørg for at personen har en HSA-id, og registrer en ansettelse i organisasjonen eller et konsernselskap.
rule-R-PER-3 = Beskyttet identitet
remedy-R-PER-3 = Bare saksbehandlere med rettigheten for beskyttet identitet (KUR) kan se eller behandle denne personen; overlat saken til en slik saksbehandler.
rule-R-PER-4 = Navnet i katalogen og på sertifikatet er forskjellig
remedy-R-PER-4 = Er navnet feil i katalogen, rett det der. Er navnet på kortet riktig: sperr e-tjenestelegitimasjonen og bestill en ny til samme kort. Er det feil: avregistrer kortet og bestill et nytt kort.
rule-R-PER-5 = Gyldig e-tjenestelegitimasjon for en person som er fjernet fra katalogen
remedy-R-PER-5 = Opprett personen i katalogen på nytt, avregistrer kortet, og fjern deretter personen igjen.

## Organisasjoner og roller

rule-R-ORG-1 = Utenfor din del av organisasjonen
remedy-R-ORG-1 = Rettighetene dine omfatter ikke denne enheten. Be en saksbehandler med rettigheter der, eller be RA-administratoren om rettigheten.
rule-R-ORG-2 = Rolle kreves
remedy-R-ORG-2 = Handlingen krever en rolle du ikke har (for eksempel CRA/KRA, LRA, ORA eller KUR). Kontakt RA-administratoren.
rule-R-ORG-3 = Rollen som saksbehandler for e-tjenestekort (CRA/KRA)
remedy-R-ORG-3 = Registrer opplæringen og en signaturprøve som sikkerhetsansvarlig har godkjent og en signaturberettiget har signert, før rollen tildeles eller fjernes.
rule-R-ORG-4 = Endrede roller og omorganiseringer
remedy-R-ORG-4 = Kontroller personens rolletabell. Etter en omorganisering må rettighetene i de berørte enhetene gjennomgås.

## Signering og logg

rule-R-AUD-1 = Din signatur kreves
remedy-R-AUD-1 = Signer handlingen med PIN-koden for signering («Signer og send»); endringer registreres bare når de er signert.
rule-R-AUD-2 = Uforanderlig revisjonslogg
remedy-R-AUD-2 = Oppføringer i loggen kan ikke endres eller slettes: registrer en ny handling som retter den tidligere. Hvis kontrollen av loggen feiler, si fra til sikkerhetsansvarlig.
rule-R-AUD-3 = Kvitteringer
remedy-R-AUD-3 = Ta vare på kortinnehaverens signerte kvittering sammen med kortet. Arkiver papirkvitteringer for reservekort etter fødselsdato og oppbevar dem i 15 år.
rule-R-AUD-4 = Arkivering
remedy-R-AUD-4 = Bestillingsgrunnlag og kortbestillinger arkiveres hos kortleverandøren; innleveringer, avregistreringer og sperringer arkiveres automatisk. Du trenger ikke gjøre mer.

## Identitetskontroll

rule-R-IDP-1 = Gyldig svensk legitimasjon
remedy-R-IDP-1 = Be om førerkort, SIS-godkjent ID-kort, nasjonalt ID-kort, Skatteverkets ID-kort eller pass, og registrer type og nummer.
rule-R-IDP-2 = Identitet bekreftet av en annen
remedy-R-IDP-2 = Uten gyldig legitimasjon kreves utskrift fra folkeregisteret, en skriftlig erklæring og ansettende leder til stede som bekrefter identiteten, informert om at en falsk erklæring er straffbar. Gi kortinnehaveren kvitteringen, som skal tas med ved utleveringen.
rule-R-IDP-3 = Dansk billedlegitimasjon og CPR-nummer
remedy-R-IDP-3 = Be om godkjent billedlegitimasjon; minst ett dokument må vise CPR-nummeret. Kontroller navn og CPR-nummer med et oppslag i CPR, eller be om et dokument til.
rule-R-IDP-4 = Dansk borger uten billedlegitimasjon
remedy-R-IDP-4 = Be om to av dokumentene a–d, ett av dem a eller b og ett med CPR-nummeret. Nøkkelkortet sendes da til folkeregistrert adresse og leveres aldri ut.
rule-R-IDP-5 = Søkeren avvises
remedy-R-IDP-5 = Dokumentene er ufullstendige, opplysningene stemmer ikke, eller det er mistanke om forfalskning: avvis søkeren og utsted ingenting.
rule-R-IDP-6 = Dansk borger med adressebeskyttelse eller uten bolig
remedy-R-IDP-6 = Registrer adressen nye nøkkelkort skal sendes til, og kontroller billedlegitimasjon.

## Kort

rule-R-CARD-1 = Korttype
remedy-R-CARD-1 = Velg en av korttypene: SIS-kort, OSIS-kort, firmakort uten bilde eller reservekort.
rule-R-CARD-2 = Valg av korttype
remedy-R-CARD-2 = Ansatt mer enn 6 måneder: SIS-kort. Opptil 6 måneder, eller samordningsnummer: reservekort. Ansatt i konsernet mer enn 6 måneder: firmakort uten bilde.
rule-R-CARD-3 = Kortets livsløp
remedy-R-CARD-3 = Før kortet gjennom trinnene i rekkefølge: bestillingsgrunnlag, bestilling med kortinnehaveren til stede, bestillingen sendes til kortleverandøren, levering til safen, utlevering mot legitimasjon og PIN-brev.
rule-R-CARD-4 = Kortet er ikke hentet innen 3 måneder
remedy-R-CARD-4 = Fristen for å hente kortet er ute: makuler kortet, og bestill et nytt hvis kortinnehaveren fortsatt trenger det.
rule-R-CARD-5 = Reklamasjon bare på sendt eller utlevert kort
remedy-R-CARD-5 = Reklamasjon til kortleverandøren er bare mulig når kortet har status sendt eller utlevert. Kontroller statusen; ellers avregistreres et kort som ikke virker, og erstattes.
rule-R-CARD-6 = Tidligere kort leveres inn
remedy-R-CARD-6 = Ett nytt kort om gangen: fullfør kortet som allerede er bestilt, eller avregistrer det, før et nytt bestillingsgrunnlag. Når det nye kortet leveres ut, skal det tidligere kortet leveres inn og avregistreres.
rule-R-CARD-7 = Avsluttet ansettelse eller flytting i organisasjonen
remedy-R-CARD-7 = Ved avsluttet ansettelse: sørg for at kortet leveres inn (eller klippes av lederen), og avregistrer det. Ved flytting i organisasjonen beholdes kortet; sperr e-tjenestelegitimasjonen hvis opplysningene i den er endret. Ved midlertidig fravær beholdes begge.
rule-R-CARD-8 = Kort som ikke er levert inn
remedy-R-CARD-8 = Avregistrer kortet med merknaden «ikke levert inn». Sammenlign hvert kvartal utleverte kort og gyldige reservekort med HR-registeret.
rule-R-CARD-9 = PUK-kode
remedy-R-CARD-9 = Bestill PUK-kode til et eksisterende kort; den sendes rekommandert til folkeregistrert adresse etter omtrent 2 dager og belastes kortinnehaverens enhet. Etter for mange feil PUK-forsøk er kortet låst for godt: avregistrer det og bestill et nytt kort.

## Reservekort og lager

rule-R-RES-1 = Lager av reservekort
remedy-R-RES-1 = Bestill reservekort med PIN-brev i bunter og oppbevar dem i den låste safen; bestill flere når lageret begynner å bli lite.
rule-R-RES-2 = Reservekort leveres ut ved samme besøk
remedy-R-RES-2 = Lever ut reservekortet ved samme besøk som bestillingen, med uåpnet PIN-brev, og gi e-tjenestelegitimasjonen høyst 180 dagers gyldighet. Kasser et kort der PIN-brevet er åpnet.
rule-R-RES-3 = Gjenbruk av reservekort
remedy-R-RES-3 = Bare personen som først fikk reservekortet, kan bruke det igjen. Avregistrer et reservekort som ikke er gjenbrukt innen ett år.
rule-R-RES-4 = Dansk lager av nøkkelkort
remedy-R-RES-4 = Bestill nøkkelkort, brev med midlertidig passord og CD-ROM-er i esker med 50, 200 eller 500 til RA-ens adresse. Ikke bruk konvolutter som viser tegn på å ha blitt åpnet.
rule-R-RES-5 = Reservekort på tillitsnivå 3
remedy-R-RES-5 = En saksbehandler til med rollen KRA må medsignere (begge også med KUR ved beskyttet identitet); ellers utstedes reservekortet på nivå 2.

## E-tjenestelegitimasjoner

rule-R-CRED-1 = Autentiserings- og signeringssertifikat hører sammen
remedy-R-CRED-1 = En e-tjenestelegitimasjon består av to sertifikater: sperr alltid begge.
rule-R-CRED-2 = E-tjenestelegitimasjonens gyldighet
remedy-R-CRED-2 = Velg en gyldighet som svarer til ansettelsen eller oppdraget: høyst 5 år, aldri lenger enn kortets gyldighet, og høyst 180 dager på reservekort.
rule-R-CRED-3 = Eksisterende sertifikater sperres først
remedy-R-CRED-3 = Sperr sertifikatene som allerede er på kortet, og bestill deretter den nye e-tjenestelegitimasjonen.
rule-R-CRED-4 = Nedlasting i selvbetjeningen
remedy-R-CRED-4 = Opprett bestillingsgrunnlaget; kortinnehaveren laster deretter ned e-tjenestelegitimasjonen i selvbetjeningen og signerer, for reservekort, kvitteringen elektronisk.
rule-R-CRED-5 = Innholdet i e-tjenestelegitimasjonen
remedy-R-CRED-5 = Kontroller fornavn og etternavn, HSA-id og e-postadresse; yrkestittel bare for yrker med autorisasjon.
rule-R-CRED-6 = E-tjenestelegitimasjonen utløper
remedy-R-CRED-6 = Kortinnehaveren får e-post 45 dager før den utløper. Bestill en ny e-tjenestelegitimasjon hvis ansettelsen fortsetter.
rule-R-CRED-7 = Funksjonssertifikat
remedy-R-CRED-7 = Funksjonssertifikater er en egen type e-legitimasjon: bestill dem som funksjonssertifikater, ikke på en persons kort.

## Sperring

rule-R-REV-1 = Hvem som kan be om sperring
remedy-R-REV-1 = Bare kortinnehaveren, lederen innenfor sin egen enhet eller RA kan be om sperring. Henvis alle andre til RA.
rule-R-REV-2 = Identifisering av den som ber om sperring
remedy-R-REV-2 = Identifiser personen ved personlig oppmøte med legitimasjon, personlig kjennskap eller, ved fare for misbruk, ved å ringe tilbake eller stille kontrollspørsmål; registrer metoden.
rule-R-REV-3 = Årsak til sperring
remedy-R-REV-3 = Oppgi årsaken til sperringen. Når et kort avregistreres, sperres alle e-tjenestelegitimasjonene på det; kontroller dagen etter at sperringen har fått virkning.
rule-R-REV-4 = Tapt eller stjålet SIS-kort
remedy-R-REV-4 = Be kortinnehaveren melde ID-kortet tapt til politiet.
rule-R-REV-5 = Misbruk
remedy-R-REV-5 = Sperr e-legitimasjoner og/eller rettigheter straks, og informer lederen, RA og sikkerhetsansvarlig; i alvorlige tilfeller også CA og kortleverandøren.
rule-R-REV-6 = Anmodninger om sperring lagres i 10 år
remedy-R-REV-6 = Anmodninger om sperring lagres i 10 år og kan ikke slettes før det.

## Dansk offentlig RA

rule-R-DK-1 = Utstedelse ved personlig oppmøte (Danmark)
remedy-R-DK-1 = Gi ut reglene og få dem akseptert, kontroller legitimasjonen, skriv inn CPR-nummeret, registrer dokumenttypen og konvoluttenes nummer. Signer registreringen før brevet med passordet leveres ut.
rule-R-DK-2 = Nøkkelkort med stor skrift
remedy-R-DK-2 = Marker ønsket om stor skrift, slik at også senere nøkkelkort får stor skrift.
rule-R-DK-3 = Blinde borgere
remedy-R-DK-3 = Tilby å lese opp reglene; gi passordet på CD-ROM (registrer nummeret) eller via SMS, og registrer et telefonnummer for utsending av nøkler, med en testoppringning når det er mulig.
rule-R-DK-4 = Henting av passord hos valgt RA
remedy-R-DK-4 = Stemple henteinstruksen med ankomstdato, og makuler den hvis den ikke er hentet innen fristen. Krev dansk pass (førerkort for personer med adressebeskyttelse), og registrer nummer og utløpsdato.
rule-R-DK-5 = Høyst 10 ekstra nøkkelkort
remedy-R-DK-5 = Lever ut høyst 10 ekstra nøkkelkort per besøk, hvert av dem registrert og signert for seg.
rule-R-DK-6 = Glemt passord
remedy-R-DK-6 = Fortell borgeren at signaturen utstedes på nytt og at gamle krypterte data blir uleselige, og fortsett bare hvis borgeren godtar det. Kontroller legitimasjonen uten å registrere den.
rule-R-DK-7 = Hjelp med sperring
remedy-R-DK-7 = Hjelp borgeren med å sperre sertifikater, nøkkelkort eller passord.
rule-R-DK-8 = MitID-autentiseringsmidler og sikkerhetsnivå
remedy-R-DK-8 = Registrer sikkerhetsnivået (NSIS lavt, betydelig eller høyt); høyt krever personlig oppmøte og godkjenning fra en saksbehandler til. En midlertidig sperring kan oppheves, en permanent sperring kan ikke det. En aktiveringskode på papir gjelder i 48 timer og sperres etter 3 feil forsøk.

## Kontakt- og reservasjonsregisteret

rule-R-KRR-1 = Oppføring i kontakt- og reservasjonsregisteret
remedy-R-KRR-1 = Kontroller mobilnummer, e-postadresse, reservasjonsstatus, digital postkasse og foretrukket språk i personens oppføring.
rule-R-KRR-2 = Oppslag i bolker
remedy-R-KRR-2 = Slå opp høyst 1000 id-numre per forespørsel; adressene til personer med beskyttet adresse utleveres aldri.
rule-R-KRR-3 = Innbyggerens egen oppføring
remedy-R-KRR-3 = Bare innbyggeren selv kan endre oppføringen sin eller reservere seg mot digital kommunikasjon; virksomheter har ingen slik rett.
rule-R-KRR-4 = Alle oppslag logges
remedy-R-KRR-4 = Oppgi virksomheten og formålet med oppslaget.
rule-R-KRR-5 = Utdatert kontaktinformasjon
remedy-R-KRR-5 = Kontaktinformasjonen er verken oppdatert eller bekreftet på 18 måneder, så personen kan ikke varsles digitalt; send på papir.

## Sikker digital post

rule-R-POST-1 = Brev til digital postkasse
remedy-R-POST-1 = Oppgi hoveddokumentet som PDF, en tittel uten sensitivt innhold, sikkerhetsnivå og varsling, og mottakerens fødselsnummer eller D-nummer.
rule-R-POST-2 = Digitalt eller på papir
remedy-R-POST-2 = Registeret avgjør: digital postkasse når personen har en og ikke har reservert seg, ellers utskrift til folkeregistrert adresse.
rule-R-POST-3 = Kvitteringer for brev
remedy-R-POST-3 = Følg brevets kvitteringer: hvert mottatt brev ender som levert, skrevet ut eller feilet med en årsak.
rule-R-POST-4 = Pris per brev
remedy-R-POST-4 = Brev prises etter størrelse og faktureres avsenderen; kontroller avsenderens fakturareferanse.
rule-R-POST-5 = Tilknytning av avsender
remedy-R-POST-5 = Registrer avsenderen med virksomhetssertifikat, organisasjonsnummer, visningsnavn og logo, kontaktpunkter og fakturareferanse.
rule-R-POST-6 = Navn og adresser til utskrift
remedy-R-POST-6 = Navn og adresser til utskrift hentes fra folkeregisteret; fortrolige og strengt fortrolige adresser skrives aldri ut og vises aldri.
rule-R-POST-7 = Kommunal forsendelsestjeneste
remedy-R-POST-7 = Send gjennom forsendelsestjenesten: innbyggere får brevet i sin digitale postkasse eller på papir, virksomheter i sin egen innboks.

## E-signering

rule-R-SIG-1 = Signeringsoppdrag
remedy-R-SIG-1 = Oppgi ett eller flere PDF-dokumenter, signatarenes fødselsnummer, sikkerhetsnivå 3 eller 4 og eventuelt en frist.
rule-R-SIG-2 = Signering med en gang eller senere
remedy-R-SIG-2 = Synkront: signataren signerer med en gang i tjenesteeierens egen flyt. Asynkront: signataren varsles og signerer i signeringsportalen innen fristen.
rule-R-SIG-3 = Signerte dokumenter
remedy-R-SIG-3 = Det signerte dokumentet leveres som PAdES og XAdES, bevitnet og forseglet av tjenesten, for langtidsvalidering og arkivering.
rule-R-SIG-4 = Status for signeringsoppdrag
remedy-R-SIG-4 = Kontroller statusen for hver signatar (venter, signert, avvist, utløpt, feilet). Et oppdrag etter fristen er utløpt og må sendes på nytt.
rule-R-SIG-5 = Type e-signatur
remedy-R-SIG-5 = Velg autentisert e-signatur (nivå 3 eller 4) eller avansert e-signatur (nivå 4, signatarens egne signeringsnøkler) etter hva oppdraget krever.
rule-R-SIG-6 = Bruk av e-signering
remedy-R-SIG-6 = Bruk e-signering for dokumenter som arbeidskontrakter, taushetserklæringer, klager, samtykke til forskning, foresattes signaturer og uravstemninger.

## Status for oppføringen

rule-R-STATE = Ikke mulig i nåværende status
remedy-R-STATE = Oppføringen har ikke en status som tillater handlingen. Last inn siden på nytt, kontroller status og historikk, og ta neste trinn som tilbys.
