# Reglerne i SPEC, dansk: for hver regel en titel (`rule-…`) og en afhjælpning (`remedy-…`),
# det medarbejderen gør herefter, som vises, når reglen afviser en handling.

## Identifikatorer

rule-R-ID-1 = Svensk personnummer og samordningsnummer
remedy-R-ID-1 = Kontrollér nummeret mod legitimationen: ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN (+ for personer, der er fyldt 100 år). Sidste ciffer er et kontrolciffer; i et samordningsnummer er dagen forhøjet med 60.
rule-R-ID-2 = CPR-nummer
remedy-R-ID-2 = Kontrollér nummeret mod legitimationen eller et opslag i CPR: DDMMÅÅ-SSSS med en fødselsdato, der findes. En fejlet modulus 11-kontrol er kun en advarsel.
rule-R-ID-3 = Norsk fødselsnummer, D-nummer og H-nummer
remedy-R-ID-3 = Kontrollér de elleve cifre mod legitimationen: begge kontrolcifre skal stemme. I et D-nummer er dagen forhøjet med 40, i et H-nummer måneden; FH-numre kan ikke bruges.
rule-R-ID-3a = Fødselsdato i nummeret
remedy-R-ID-3a = Fødselsdatoen i nummeret findes ikke eller ligger ude i fremtiden: se efter en tastefejl. Skriv nummeret med eller uden det sædvanlige skilletegn.
rule-R-ID-4 = Organisationsnummer
remedy-R-ID-4 = Kontrollér nummeret mod registret (svensk organisationsnummer, dansk CVR-nummer, norsk organisasjonsnummer): kontrolcifferet skal stemme.
rule-R-ID-5 = HSA-id
remedy-R-ID-5 = Skriv HSA-id som landekode, organisationsnummer, bindestreg og lokal del (SE2120000738-abcd). Hver person har sit eget.
rule-R-ID-6 = Ugyldigt nummer eller id
remedy-R-ID-6 = Ret feltet, som meddelelsen nævner, og send igen; intet er gemt.

## Personer

rule-R-PER-1 = Personoplysninger
remedy-R-PER-1 = Udfyld personoplysningerne: id-nummer, navn som i folkeregistret, HSA-id, kontaktoplysninger og ansættelse.
rule-R-PER-2 = Kontrollerede HR-oplysninger kræves
remedy-R-PER-2 = Før der bestilles e-tjenestelegitimation: kontrollér navnet mod folkeregistret, sørg for at personen har et HSA-id, og registrér en ansættelse i organisationen eller et koncernselskab.
rule-R-PER-3 = Navne- og adressebeskyttelse
remedy-R-PER-3 = Kun medarbejdere med rettigheden til beskyttede personer (KUR) må se eller behandle denne person; overlad sagen til en sådan medarbejder.
rule-R-PER-4 = Navnet i kataloget og på certifikatet er forskelligt
remedy-R-PER-4 = Er navnet forkert i kataloget, så ret det dér. Er navnet på kortet rigtigt: spær e-tjenestelegitimationen, og bestil en ny til samme kort. Er det forkert: afregistrér kortet, og bestil et nyt kort.
rule-R-PER-5 = Gyldig e-tjenestelegitimation for en person, der er fjernet fra kataloget
remedy-R-PER-5 = Genopret personen i kataloget, afregistrér kortet, og fjern derefter personen igen.

## Organisationer og roller

rule-R-ORG-1 = Uden for din del af organisationen
remedy-R-ORG-1 = Dine rettigheder omfatter ikke denne enhed. Bed en medarbejder med rettigheder dér, eller bed RA-administratoren om rettigheden.
rule-R-ORG-2 = Rolle påkrævet
remedy-R-ORG-2 = Handlingen kræver en rolle, du ikke har (for eksempel CRA/KRA, LRA, ORA eller KUR). Kontakt RA-administratoren.
rule-R-ORG-3 = Rollen som sagsbehandler for e-tjenestekort (CRA/KRA)
remedy-R-ORG-3 = Registrér uddannelsen og en underskriftsprøve, som den sikkerhedsansvarlige har godkendt og en tegningsberettiget har underskrevet, før rollen tildeles eller fjernes.
rule-R-ORG-4 = Ændrede roller og omorganiseringer
remedy-R-ORG-4 = Kontrollér personens rolletabel. Efter en omorganisering skal rettighederne i de berørte enheder gennemgås.

## Signering og log

rule-R-AUD-1 = Din signatur er påkrævet
remedy-R-AUD-1 = Signér handlingen med din PIN-kode til signering (»Signér og send«); ændringer registreres kun, når de er signeret.
rule-R-AUD-2 = Uforanderlig revisionslog
remedy-R-AUD-2 = Poster i loggen kan ikke ændres eller slettes: registrér en ny handling, der retter den tidligere. Hvis kontrollen af loggen fejler, så giv den sikkerhedsansvarlige besked.
rule-R-AUD-3 = Kvitteringer
remedy-R-AUD-3 = Gem kortindehaverens underskrevne kvittering sammen med kortet. Arkivér papirkvitteringer for reservekort efter fødselsdato, og opbevar dem i 15 år.
rule-R-AUD-4 = Arkivering
remedy-R-AUD-4 = Bestillingsgrundlag og kortbestillinger arkiveres hos kortleverandøren; afleveringer, afregistreringer og spærringer arkiveres automatisk. Du skal ikke gøre mere.

## Kontrol af legitimation

rule-R-IDP-1 = Gyldig svensk legitimation
remedy-R-IDP-1 = Bed om kørekort, SIS-godkendt ID-kort, nationalt ID-kort, Skatteverkets ID-kort eller pas, og registrér type og nummer.
rule-R-IDP-2 = Identitet bekræftet af en anden
remedy-R-IDP-2 = Uden gyldig legitimation kræves udskrift fra folkeregistret, en skriftlig erklæring og den ansættende leder til stede som vidne, oplyst om at en falsk erklæring er strafbar. Giv kortindehaveren kvitteringen, som skal medbringes ved udleveringen.
rule-R-IDP-3 = Billedlegitimation og CPR-nummer
remedy-R-IDP-3 = Bed om godkendt billedlegitimation; mindst ét dokument skal indeholde CPR-nummeret. Kontrollér navn og CPR-nummer ved opslag i CPR, eller bed om endnu et dokument.
rule-R-IDP-4 = Borger uden billedlegitimation
remedy-R-IDP-4 = Bed om to af dokumenterne a–d, heraf ét af a eller b og ét med CPR-nummeret. Nøglekortet sendes så til folkeregisteradressen og udleveres aldrig.
rule-R-IDP-5 = Ansøgeren afvises
remedy-R-IDP-5 = Legitimationen er ufuldstændig, data stemmer ikke overens, eller der er mistanke om forfalskning: afvis ansøgeren, og udsted intet.
rule-R-IDP-6 = Borger med adressebeskyttelse eller uden fast bopæl
remedy-R-IDP-6 = Registrér den adresse, nye nøglekort skal sendes til, og kontrollér billedlegitimation.

## Kort

rule-R-CARD-1 = Korttype
remedy-R-CARD-1 = Vælg en af korttyperne: SIS-kort, OSIS-kort, firmakort uden foto eller reservekort.
rule-R-CARD-2 = Valg af korttype
remedy-R-CARD-2 = Ansat mere end 6 måneder: SIS-kort. Op til 6 måneder eller samordningsnummer: reservekort. Ansat i koncernen mere end 6 måneder: firmakort uden foto.
rule-R-CARD-3 = Kortets livsforløb
remedy-R-CARD-3 = Før kortet gennem trinene i rækkefølge: bestillingsgrundlag, bestilling med kortindehaveren til stede, afsendelse til kortleverandøren, levering til det aflåste skab, udlevering mod legitimation og PIN-brev.
rule-R-CARD-4 = Kortet er ikke afhentet inden for 3 måneder
remedy-R-CARD-4 = Fristen for afhentning er udløbet: makulér kortet, og bestil et nyt, hvis kortindehaveren stadig har brug for det.
rule-R-CARD-5 = Reklamation kun af afsendt eller udleveret kort
remedy-R-CARD-5 = Reklamation til kortleverandøren er kun mulig, når kortet har status afsendt eller udleveret. Kontrollér status; ellers afregistreres et kort, der ikke virker, og erstattes.
rule-R-CARD-6 = Tidligere kort afleveres
remedy-R-CARD-6 = Ét nyt kort ad gangen: afslut kortet, der allerede er bestilt, eller afregistrer det, før et nyt bestillingsgrundlag. Når det nye kort udleveres, skal det tidligere kort afleveres og afregistreres.
rule-R-CARD-7 = Fratræden eller flytning i organisationen
remedy-R-CARD-7 = Ved fratræden: sørg for at kortet afleveres (eller klippes af lederen), og afregistrér det. Ved flytning i organisationen beholdes kortet; spær e-tjenestelegitimationen, hvis oplysningerne i den er ændret. Ved midlertidigt fravær beholdes begge.
rule-R-CARD-8 = Kort, der ikke er afleveret
remedy-R-CARD-8 = Afregistrér kortet med bemærkningen »ikke afleveret«. Sammenlign hvert kvartal udleverede kort og gyldige reservekort med HR-registret.
rule-R-CARD-9 = PUK-kode
remedy-R-CARD-9 = Bestil PUK-kode til et eksisterende kort; den sendes anbefalet til folkeregisteradressen efter ca. 2 dage og faktureres kortindehaverens enhed. Efter for mange forkerte PUK-forsøg er kortet låst for altid: afregistrér det, og bestil et nyt kort.

## Reservekort og lager

rule-R-RES-1 = Lager af reservekort
remedy-R-RES-1 = Bestil reservekort med PIN-breve i bundter, og opbevar dem i det aflåste skab; bestil flere, når lageret er ved at slippe op.
rule-R-RES-2 = Reservekort udleveres ved samme besøg
remedy-R-RES-2 = Udlevér reservekortet ved samme besøg som bestillingen, med uåbnet PIN-brev, og giv e-tjenestelegitimationen højst 180 dages gyldighed. Kassér et kort, hvis PIN-brev er åbnet.
rule-R-RES-3 = Genbrug af reservekort
remedy-R-RES-3 = Kun den person, der først fik reservekortet, må genbruge det. Afregistrér et reservekort, der ikke er genbrugt inden for et år.
rule-R-RES-4 = Lager af nøglekort
remedy-R-RES-4 = Bestil nøglekort, midlertidige adgangskodebreve og cd-rom'er i æsker med 50, 200 eller 500 til RA'ens adresse. Brug ikke kuverter, der viser tegn på at være forsøgt åbnet.
rule-R-RES-5 = Reservekort på tillidsniveau 3
remedy-R-RES-5 = En anden medarbejder med rollen KRA skal medunderskrive (begge også med KUR ved beskyttet identitet); ellers udstedes reservekortet på niveau 2.

## E-tjenestelegitimationer

rule-R-CRED-1 = Autentificerings- og signeringscertifikat hører sammen
remedy-R-CRED-1 = En e-tjenestelegitimation består af to certifikater: spær altid begge.
rule-R-CRED-2 = E-tjenestelegitimationens gyldighed
remedy-R-CRED-2 = Vælg en gyldighed, der svarer til ansættelsen eller opgaven: højst 5 år, aldrig ud over kortets gyldighed og højst 180 dage på reservekort.
rule-R-CRED-3 = Eksisterende certifikater spærres først
remedy-R-CRED-3 = Spær de certifikater, der allerede er på kortet, og bestil derefter den nye e-tjenestelegitimation.
rule-R-CRED-4 = Download i selvbetjeningen
remedy-R-CRED-4 = Opret bestillingsgrundlaget; kortindehaveren henter derefter e-tjenestelegitimationen i selvbetjeningen og underskriver, for reservekort, kvitteringen elektronisk.
rule-R-CRED-5 = Indholdet af e-tjenestelegitimationen
remedy-R-CRED-5 = Kontrollér for- og efternavn, HSA-id og e-mailadresse; stillingsbetegnelse kun for autoriserede faggrupper.
rule-R-CRED-6 = E-tjenestelegitimationen udløber
remedy-R-CRED-6 = Kortindehaveren får en e-mail 45 dage før udløb. Bestil en ny e-tjenestelegitimation, hvis ansættelsen fortsætter.
rule-R-CRED-7 = Funktionscertifikat
remedy-R-CRED-7 = Funktionscertifikater er en særskilt type e-legitimation: bestil dem som funktionscertifikater, ikke på en persons kort.

## Spærring

rule-R-REV-1 = Hvem der må anmode om spærring
remedy-R-REV-1 = Kun kortindehaveren, lederen inden for egen enhed eller RA må anmode om spærring. Henvis alle andre til RA.
rule-R-REV-2 = Identifikation af den, der anmoder om spærring
remedy-R-REV-2 = Identificér personen ved personligt fremmøde med legitimation, personligt kendskab eller, ved risiko for misbrug, ved at ringe tilbage eller stille kontrolspørgsmål; registrér metoden.
rule-R-REV-3 = Årsag til spærring
remedy-R-REV-3 = Angiv årsagen til spærringen. Når et kort afregistreres, spærres alle dets e-tjenestelegitimationer; kontrollér dagen efter, at spærringen er trådt i kraft.
rule-R-REV-4 = Mistet eller stjålet SIS-kort
remedy-R-REV-4 = Bed kortindehaveren anmelde ID-kortet til politiet.
rule-R-REV-5 = Misbrug
remedy-R-REV-5 = Spær e-legitimationer og/eller rettigheder straks, og orientér lederen, RA og den sikkerhedsansvarlige; i alvorlige tilfælde også CA og kortleverandøren.
rule-R-REV-6 = Anmodninger om spærring gemmes i 10 år
remedy-R-REV-6 = Anmodninger om spærring gemmes i 10 år og kan ikke slettes inden da.

## Offentlig RA

rule-R-DK-1 = Udstedelse ved personligt fremmøde
remedy-R-DK-1 = Udlevér reglerne, og få dem accepteret, kontrollér legitimationen, indtast CPR-nummeret, og registrér typen af legitimation og kuverternes numre. Signér registreringen, før adgangskodebrevet udleveres.
rule-R-DK-2 = Nøglekort med stor skrift
remedy-R-DK-2 = Markér ønsket om stor skrift, så også senere nøglekort sendes med stor skrift.
rule-R-DK-3 = Blinde borgere
remedy-R-DK-3 = Tilbyd at læse reglerne op; udlevér adgangskoden på cd-rom (registrér nummeret) eller via sms, og registrér et telefonnummer til udsendelse af nøgler med et testopkald, når det er muligt.
rule-R-DK-4 = Afhentning af adgangskode hos valgt RA
remedy-R-DK-4 = Stempl udleveringsinstruksen med ankomstdatoen, og destruér den, hvis den ikke er afhentet inden udløb. Kræv dansk pas (kørekort ved navne- og adressebeskyttelse), og registrér nummer og udløbsdato.
rule-R-DK-5 = Højst 10 ekstra nøglekort
remedy-R-DK-5 = Udlevér højst 10 ekstra nøglekort pr. besøg, hvert indtastet og signeret for sig.
rule-R-DK-6 = Glemt adgangskode
remedy-R-DK-6 = Fortæl borgeren, at signaturen udstedes på ny, og at gamle krypterede data bliver ulæselige, og fortsæt kun, hvis borgeren accepterer det. Kontrollér legitimationen uden at registrere den.
rule-R-DK-7 = Assistance ved spærring
remedy-R-DK-7 = Hjælp borgeren med at spærre certifikater, nøglekort eller adgangskoder.
rule-R-DK-8 = MitID-identifikationsmidler og sikringsniveau
remedy-R-DK-8 = Registrér sikringsniveauet (NSIS lavt, betydeligt eller højt); højt kræver personligt fremmøde og godkendelse fra en anden medarbejder. En suspendering kan ophæves, en spærring kan ikke. En aktiveringskode på papir gælder i 48 timer og spærres efter 3 forkerte forsøg.

## Kontakt- og reservationsregistret

rule-R-KRR-1 = Oplysninger i kontakt- og reservationsregistret
remedy-R-KRR-1 = Kontrollér mobilnummer, e-mailadresse, reservationsstatus, digital postkasse og foretrukket sprog i personens oplysninger.
rule-R-KRR-2 = Opslag i portioner
remedy-R-KRR-2 = Slå højst 1000 id-numre op pr. forespørgsel; adresser på beskyttede personer udleveres aldrig.
rule-R-KRR-3 = Borgerens egne oplysninger
remedy-R-KRR-3 = Kun borgeren selv kan ændre sine oplysninger eller reservere sig mod digital kommunikation; organisationer har ingen sådan ret.
rule-R-KRR-4 = Alle opslag logges
remedy-R-KRR-4 = Angiv myndigheden og formålet med opslaget.
rule-R-KRR-5 = Forældede kontaktoplysninger
remedy-R-KRR-5 = Kontaktoplysningerne er hverken opdateret eller bekræftet i 18 måneder, så personen kan ikke underrettes digitalt; send på papir.

## Sikker digital post

rule-R-POST-1 = Brev til digital postkasse
remedy-R-POST-1 = Angiv hoveddokumentet som PDF, en titel uden følsomt indhold, sikkerhedsniveau og underretning samt modtagerens id-nummer.
rule-R-POST-2 = Digitalt eller på papir
remedy-R-POST-2 = Registret afgør det: digital postkasse, når personen har en og ikke har frabedt sig digital post, ellers udskrift til folkeregisteradressen.
rule-R-POST-3 = Kvitteringer for breve
remedy-R-POST-3 = Følg brevets kvitteringer: hvert modtaget brev ender som leveret, udskrevet eller fejlet med en årsag.
rule-R-POST-4 = Pris pr. brev
remedy-R-POST-4 = Breve prissættes efter størrelse og faktureres afsenderen; kontrollér afsenderens fakturareference.
rule-R-POST-5 = Tilslutning af afsender
remedy-R-POST-5 = Registrér afsenderen med virksomhedscertifikat, organisationsnummer, visningsnavn og logo, kontaktpunkter og fakturareference.
rule-R-POST-6 = Navne og adresser til udskrift
remedy-R-POST-6 = Navne og adresser til udskrift hentes fra folkeregistret; beskyttede adresser udskrives og vises aldrig.
rule-R-POST-7 = Kommunal forsendelsestjeneste
remedy-R-POST-7 = Send gennem forsendelsestjenesten: borgere får brevet i deres digitale postkasse eller på papir, organisationer i deres egen indbakke.

## E-signering

rule-R-SIG-1 = Signeringsopgave
remedy-R-SIG-1 = Angiv et eller flere PDF-dokumenter, underskrivernes id-numre, sikkerhedsniveau 3 eller 4 og eventuelt en frist.
rule-R-SIG-2 = Signering med det samme eller senere
remedy-R-SIG-2 = Synkront: underskriveren signerer med det samme i tjenestens eget forløb. Asynkront: underskriveren får besked og signerer i portalen inden fristen.
rule-R-SIG-3 = Signerede dokumenter
remedy-R-SIG-3 = Det signerede dokument leveres som PAdES og XAdES, bevidnet og forseglet af tjenesten, til langtidsvalidering og arkivering.
rule-R-SIG-4 = Status for signeringsopgave
remedy-R-SIG-4 = Kontrollér hver underskrivers status (venter, signeret, afvist, udløbet, fejlet). En opgave efter fristen er udløbet og skal sendes igen.
rule-R-SIG-5 = Type af e-signatur
remedy-R-SIG-5 = Vælg autentificeret e-signatur (niveau 3 eller 4) eller avanceret e-signatur (niveau 4, underskriverens egne nøgler), alt efter hvad opgaven kræver.
rule-R-SIG-6 = Brug af e-signering
remedy-R-SIG-6 = Brug e-signering til dokumenter som ansættelseskontrakter, tavshedserklæringer, klager, samtykke til forskning, forældremyndighedsindehaveres underskrifter og afstemninger.

## Postens status

rule-R-STATE = Ikke muligt i den nuværende status
remedy-R-STATE = Posten har ikke en status, der tillader handlingen. Genindlæs siden, kontrollér status og historik, og tag det næste trin, der tilbydes.
