# SPEC:s regler, svenska: för varje regel en rubrik (`rule-…`) och en åtgärd (`remedy-…`),
# det handläggaren gör härnäst, som visas när regeln stoppar en åtgärd.

## Identiteter

rule-R-ID-1 = Svenskt personnummer och samordningsnummer
remedy-R-ID-1 = Kontrollera numret mot id-handlingen: ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN (+ för den som fyllt 100 år). Sista siffran är en kontrollsiffra; i ett samordningsnummer är dagen ökad med 60.
rule-R-ID-2 = Danskt CPR-nummer
remedy-R-ID-2 = Kontrollera numret mot id-handlingen eller en slagning i CPR: DDMMÅÅ-SSSS med ett födelsedatum som finns. Ett underkänt modulus 11-test är bara en varning.
rule-R-ID-3 = Norskt fødselsnummer, D-nummer och H-nummer
remedy-R-ID-3 = Kontrollera de elva siffrorna mot id-handlingen: båda kontrollsiffrorna måste stämma. I ett D-nummer är dagen ökad med 40, i ett H-nummer månaden; FH-nummer kan inte användas.
rule-R-ID-3a = Födelsedatum i numret
remedy-R-ID-3a = Födelsedatumet i numret finns inte eller ligger i framtiden: leta efter ett skrivfel. Ange numret med eller utan det vanliga skiljetecknet.
rule-R-ID-4 = Organisationsnummer
remedy-R-ID-4 = Kontrollera numret mot registret (svenskt organisationsnummer, danskt CVR-nummer, norskt organisasjonsnummer): kontrollsiffran måste stämma.
rule-R-ID-5 = HSA-id
remedy-R-ID-5 = Ange HSA-id som landskod, organisationsnummer, bindestreck och lokal del (SE2120000738-abcd). Varje person har ett eget.
rule-R-ID-6 = Ogiltigt nummer eller id
remedy-R-ID-6 = Rätta fältet som meddelandet nämner och skicka igen; inget har sparats.

## Personer

rule-R-PER-1 = Personpost
remedy-R-PER-1 = Komplettera personposten: personnummer eller samordningsnummer, namn enligt folkbokföringen, HSA-id, kontaktuppgifter och anställning.
rule-R-PER-2 = Säkrad personpost krävs
remedy-R-PER-2 = Innan e-tjänstelegitimation beställs: kontrollera namnet mot befolkningsregistret, se till att personen har ett HSA-id och registrera en anställning i organisationen eller ett koncernbolag.
rule-R-PER-3 = Skyddade personuppgifter
remedy-R-PER-3 = Endast handläggare med behörigheten KUR får se eller administrera personen; lämna över ärendet till en sådan handläggare.
rule-R-PER-4 = Namnet i katalogen och på certifikatet skiljer sig åt
remedy-R-PER-4 = Är namnet fel i katalogen, rätta det där. Är namnet på kortet rätt: spärra e-tjänstelegitimationen och beställ en ny till samma kort. Är det fel: avregistrera kortet och beställ ett nytt kort.
rule-R-PER-5 = Giltig e-tjänstelegitimation på en person i limbo
remedy-R-PER-5 = Återskapa personen i HSA-katalogen, avregistrera kortet och ta sedan bort personen igen.

## Organisationer och behörigheter

rule-R-ORG-1 = Utanför din del av organisationen
remedy-R-ORG-1 = Din behörighet omfattar inte den här enheten. Be en handläggare med behörighet där, eller be RA om behörigheten.
rule-R-ORG-2 = Behörighet krävs
remedy-R-ORG-2 = Åtgärden kräver en roll som du inte har (till exempel CRA/KRA, LRA, ORA eller KUR). Vänd dig till RA.
rule-R-ORG-3 = Behörighet för handläggare e-tjänstekort (CRA/KRA)
remedy-R-ORG-3 = Registrera utbildningen och ett namnteckningsprov som säkerhetsansvarig har godkänt och behörig firmatecknare har signerat innan rollen tilldelas eller tas bort.
rule-R-ORG-4 = Ändrade behörigheter och omorganisationer
remedy-R-ORG-4 = Kontrollera personens rolltabell. Efter en omorganisation ska behörigheterna i berörda enheter ses över.

## Signering och logg

rule-R-AUD-1 = Din signatur krävs
remedy-R-AUD-1 = Signera åtgärden med din PIN-kod för signering (”Signera och skicka”); ändringar registreras bara när de är signerade.
rule-R-AUD-2 = Oföränderlig händelselogg
remedy-R-AUD-2 = Poster i loggen kan inte ändras eller tas bort: registrera en ny åtgärd som rättar den tidigare. Om kontrollen av loggen misslyckas, informera säkerhetsansvarig.
rule-R-AUD-3 = Kvittenser
remedy-R-AUD-3 = Spara kortinnehavarens undertecknade kvittens med kortet. Arkivera papperskvittenser för reservkort i födelsedagsordning och spara dem i 15 år.
rule-R-AUD-4 = Arkivering
remedy-R-AUD-4 = Beställningsunderlag och kortbeställningar arkiveras hos kortleverantören; återlämningar, avregistreringar och spärrar arkiveras automatiskt. Inget mer behöver göras.

## Identifiering

rule-R-IDP-1 = Giltig id-handling
remedy-R-IDP-1 = Be om körkort, SIS-godkänt id-kort, nationellt id-kort, Skatteverkets id-kort eller pass, och registrera vilken id-handling som använts och dess nummer.
rule-R-IDP-2 = Intygsförfarande
remedy-R-IDP-2 = Utan giltig id-handling krävs personbevis, skriftligt intyg och anställande chef som intygsgivare på plats, informerad om att ett osant intygande är ett brott. Ge kortinnehavaren kvittot, som ska tas med vid utlämningen.
rule-R-IDP-3 = Dansk fotolegitimation och CPR-nummer
remedy-R-IDP-3 = Be om en godkänd fotolegitimation; minst en handling måste visa CPR-numret. Stäm av namn och CPR-nummer genom en slagning i CPR, eller be om ytterligare en handling.
rule-R-IDP-4 = Dansk medborgare utan fotolegitimation
remedy-R-IDP-4 = Be om två av handlingarna a–d, varav en är a eller b och en visar CPR-numret. Nyckelkortet skickas då till folkbokföringsadressen och lämnas aldrig ut.
rule-R-IDP-5 = Sökanden avvisas
remedy-R-IDP-5 = Handlingarna är ofullständiga, uppgifterna stämmer inte eller det finns misstanke om förfalskning: avvisa sökanden och utfärda ingenting.
rule-R-IDP-6 = Dansk medborgare med skyddad adress eller utan bostad
remedy-R-IDP-6 = Registrera adressen som nya nyckelkort ska skickas till och kontrollera fotolegitimation.

## Kort

rule-R-CARD-1 = Korttyp
remedy-R-CARD-1 = Välj en av korttyperna: SIS-kort, OSIS-kort, företagskort utan foto eller reservkort.
rule-R-CARD-2 = Val av korttyp
remedy-R-CARD-2 = Anställd mer än 6 månader: SIS-kort. Upp till 6 månader, eller samordningsnummer: reservkort. Anställd i koncernen mer än 6 månader: företagskort utan foto.
rule-R-CARD-3 = Kortets livscykel
remedy-R-CARD-3 = Ta kortet genom stegen i tur och ordning: beställningsunderlag, beställning med kortinnehavaren på plats, beställningen skickas till kortleverantören, leverans till säkerhetsskåpet, utlämning mot id-handling och PIN-kodsbrev.
rule-R-CARD-4 = Kortet har inte hämtats ut inom 3 månader
remedy-R-CARD-4 = Tiden för uthämtning har gått ut: makulera kortet och beställ ett nytt om kortinnehavaren fortfarande behöver det.
rule-R-CARD-5 = Reklamation endast av skickat eller utlämnat kort
remedy-R-CARD-5 = Reklamation till kortleverantören går bara när kortet har status skickat eller utlämnat. Kontrollera statusen; annars avregistreras ett kort som inte fungerar och ersätts.
rule-R-CARD-6 = Tidigare kort återlämnas
remedy-R-CARD-6 = Ett nytt kort i taget: slutför kortet som redan är beställt, eller avregistrera det, före ett nytt beställningsunderlag. När det nya kortet lämnas ut ska det tidigare kortet återlämnas och avregistreras.
rule-R-CARD-7 = Avslutad anställning eller byte inom organisationen
remedy-R-CARD-7 = Vid avslutad anställning: se till att kortet återlämnas (eller klipps av chefen) och avregistrera det. Vid byte inom organisationen behålls kortet; spärra e-tjänstelegitimationen om uppgifterna i den har ändrats. Vid tillfällig frånvaro behålls båda.
rule-R-CARD-8 = Ej återlämnat kort
remedy-R-CARD-8 = Avregistrera kortet med noteringen ”ej återlämnat”. Jämför varje kvartal utlämnade kort och giltiga reservkort med PA-registret.
rule-R-CARD-9 = PUK-kod
remedy-R-CARD-9 = Beställ PUK-kod till ett befintligt kort; den skickas rekommenderat till folkbokföringsadressen efter ungefär 2 dagar och debiteras kortinnehavarens enhet. Efter för många felaktiga PUK-försök är kortet låst för gott: avregistrera det och beställ ett nytt kort.

## Reservkort och lager

rule-R-RES-1 = Lager av reservkort
remedy-R-RES-1 = Beställ reservkort med PIN-kodsbrev i buntar och förvara dem i det låsta säkerhetsskåpet; beställ fler när lagret börjar ta slut.
rule-R-RES-2 = Reservkort lämnas ut vid samma besök
remedy-R-RES-2 = Lämna ut reservkortet vid samma tillfälle som beställningen, med oöppnat PIN-kodsbrev, och ge e-tjänstelegitimationen högst 180 dagars giltighetstid. Kassera ett kort vars PIN-kodsbrev har öppnats.
rule-R-RES-3 = Återanvändning av reservkort
remedy-R-RES-3 = Bara personen som först fick reservkortet får återanvända det. Avregistrera ett reservkort som inte återanvänts inom ett år.
rule-R-RES-4 = Danskt lager av nyckelkort
remedy-R-RES-4 = Beställ nyckelkort, brev med tillfällig lösenkod och cd-skivor i lådor om 50, 200 eller 500 till RA:s adress. Använd inte kuvert som ser ut att ha öppnats.
rule-R-RES-5 = Reservkort på tillitsnivå 3
remedy-R-RES-5 = En andra handläggare med rollen KRA måste medsignera (båda även med KUR vid skyddade personuppgifter); annars utfärdas reservkortet på nivå 2.

## E-tjänstelegitimationer

rule-R-CRED-1 = Legitimerings- och underskriftscertifikat hör ihop
remedy-R-CRED-1 = En e-tjänstelegitimation består av två certifikat: spärra alltid båda.
rule-R-CRED-2 = E-tjänstelegitimationens giltighetstid
remedy-R-CRED-2 = Välj en giltighetstid som motsvarar anställnings- eller uppdragstiden: högst 5 år, aldrig längre än kortets giltighetstid och högst 180 dagar på reservkort.
rule-R-CRED-3 = Befintliga certifikat spärras först
remedy-R-CRED-3 = Spärra certifikaten som redan finns på kortet och beställ sedan den nya e-tjänstelegitimationen.
rule-R-CRED-4 = Nedladdning i självadministrationen
remedy-R-CRED-4 = Skapa underlaget; kortinnehavaren laddar sedan ner e-tjänstelegitimationen i självadministrationen och undertecknar, för reservkort, kvittensen elektroniskt.
rule-R-CRED-5 = E-tjänstelegitimationens innehåll
remedy-R-CRED-5 = Kontrollera för- och efternamn, HSA-id och e-postadress; yrkestitel endast för legitimerade yrken.
rule-R-CRED-6 = Utgående e-tjänstelegitimation
remedy-R-CRED-6 = Kortinnehavaren får e-post 45 dagar innan giltighetstiden går ut. Beställ en ny e-tjänstelegitimation om anställningen fortsätter.
rule-R-CRED-7 = Funktionscertifikat
remedy-R-CRED-7 = Funktionscertifikat är en egen typ av e-legitimation: beställ dem som funktionscertifikat, inte på en persons kort.

## Spärr

rule-R-REV-1 = Vem som får begära spärr
remedy-R-REV-1 = Endast kortinnehavaren, verksamhetsansvarig inom sitt eget ansvarsområde eller RA får begära spärr. Hänvisa alla andra till RA.
rule-R-REV-2 = Identifiering av den som begär spärr
remedy-R-REV-2 = Identifiera personen genom personlig närvaro med id-handling, personlig kännedom eller, vid risk för missbruk, motringning eller kontrollfrågor; registrera hur det gick till.
rule-R-REV-3 = Anledning till spärr
remedy-R-REV-3 = Ange anledningen till spärren. När ett kort avregistreras spärras alla dess e-tjänstelegitimationer; kontrollera påföljande dag att spärren har fått effekt.
rule-R-REV-4 = Förlorat eller stulet SIS-kort
remedy-R-REV-4 = Informera kortinnehavaren om att kontakta polisen för att spärra id-kortet.
rule-R-REV-5 = Missbruk
remedy-R-REV-5 = Spärra e-legitimationer och/eller behörigheter omedelbart och informera verksamhetsansvarig, RA och säkerhetsansvarig; i allvarliga fall även CA och kortleverantören.
rule-R-REV-6 = Begäran om spärr sparas i 10 år
remedy-R-REV-6 = Begäranden om spärr sparas i 10 år och kan inte tas bort dessförinnan.

## Dansk offentlig RA

rule-R-DK-1 = Utfärdande vid personligt besök (Danmark)
remedy-R-DK-1 = Lämna över reglerna och låt medborgaren godkänna dem, kontrollera id-handlingen, ange CPR-numret, registrera typ av id-handling och kuvertens nummer. Signera registreringen innan brevet med lösenkoden lämnas ut.
rule-R-DK-2 = Nyckelkort med stor stil
remedy-R-DK-2 = Markera önskemålet om stor stil så att även senare nyckelkort får stor stil.
rule-R-DK-3 = Blinda medborgare
remedy-R-DK-3 = Erbjud uppläsning av reglerna; lämna lösenkoden på cd-skiva (registrera dess nummer) eller via sms, och registrera ett telefonnummer för utskick av nycklar, med ett testsamtal när det går.
rule-R-DK-4 = Hämtning av lösenkod hos valt RA
remedy-R-DK-4 = Stämpla hämtningsinstruktionen med ankomstdatum och förstör den om den inte hämtats före sista giltighetsdag. Kräv danskt pass (körkort för personer med skyddad adress) och registrera dess nummer och giltighetstid.
rule-R-DK-5 = Högst 10 extra nyckelkort
remedy-R-DK-5 = Lämna ut högst 10 extra nyckelkort per besök, vart och ett registrerat och signerat för sig.
rule-R-DK-6 = Glömd lösenkod
remedy-R-DK-6 = Berätta för medborgaren att signaturen utfärdas på nytt och att gamla krypterade data blir oläsliga, och fortsätt bara om medborgaren godtar det. Kontrollera id-handlingen utan att registrera den.
rule-R-DK-7 = Hjälp med spärr
remedy-R-DK-7 = Hjälp medborgaren att spärra certifikat, nyckelkort eller lösenkoder.
rule-R-DK-8 = MitID-identifieringsmedel och tillitsnivå
remedy-R-DK-8 = Registrera tillitsnivån (NSIS låg, väsentlig eller hög); hög kräver personligt besök och godkännande av en andra handläggare. En tillfällig spärr kan hävas, en permanent spärr kan inte det. En aktiveringskod på papper gäller i 48 timmar och spärras efter 3 felaktiga försök.

## Kontakt- och reservationsregistret

rule-R-KRR-1 = Uppgifter i kontakt- och reservationsregistret
remedy-R-KRR-1 = Kontrollera mobilnummer, e-postadress, reservationsstatus, digital brevlåda och önskat språk i personens uppgifter.
rule-R-KRR-2 = Uppslag i omgångar
remedy-R-KRR-2 = Slå upp högst 1000 id-nummer per förfrågan; adresser till personer med skyddade personuppgifter lämnas aldrig ut.
rule-R-KRR-3 = Medborgarens egna uppgifter
remedy-R-KRR-3 = Bara medborgaren själv kan ändra sina uppgifter eller reservera sig mot digital kommunikation; organisationer har ingen sådan rätt.
rule-R-KRR-4 = Varje uppslag loggas
remedy-R-KRR-4 = Ange myndigheten och syftet med uppslaget.
rule-R-KRR-5 = Inaktuella kontaktuppgifter
remedy-R-KRR-5 = Kontaktuppgifterna har varken uppdaterats eller bekräftats på 18 månader, så personen kan inte aviseras digitalt; skicka på papper.

## Säker digital post

rule-R-POST-1 = Brev till digital brevlåda
remedy-R-POST-1 = Ange huvuddokumentet som PDF, en rubrik utan känsligt innehåll, säkerhetsnivå och avisering samt mottagarens id-nummer.
rule-R-POST-2 = Digitalt eller på papper
remedy-R-POST-2 = Registret avgör: digital brevlåda om personen har en och inte har reserverat sig, annars utskrift till folkbokföringsadressen.
rule-R-POST-3 = Kvitton för brev
remedy-R-POST-3 = Följ brevets kvitton: varje mottaget brev slutar som levererat, utskrivet eller misslyckat med en orsak.
rule-R-POST-4 = Pris per brev
remedy-R-POST-4 = Brev prissätts efter storlek och faktureras avsändaren; kontrollera avsändarens fakturareferens.
rule-R-POST-5 = Anslutning av avsändare
remedy-R-POST-5 = Registrera avsändaren med företagscertifikat, organisationsnummer, visningsnamn och logotyp, kontaktpunkter och fakturareferens.
rule-R-POST-6 = Namn och adresser för utskrift
remedy-R-POST-6 = Namn och adresser för utskrift hämtas från folkbokföringen; skyddade adresser skrivs aldrig ut och visas aldrig.
rule-R-POST-7 = Kommunal utskickstjänst
remedy-R-POST-7 = Skicka via utskickstjänsten: medborgare får brevet i sin digitala brevlåda eller på papper, organisationer i sin egen inkorg.

## E-underskrift

rule-R-SIG-1 = Signeringsuppdrag
remedy-R-SIG-1 = Ange ett eller flera PDF-dokument, undertecknarnas id-nummer, säkerhetsnivå 3 eller 4 och vid behov en sista dag.
rule-R-SIG-2 = Signering direkt eller senare
remedy-R-SIG-2 = Synkront: undertecknaren signerar direkt i tjänstens eget flöde. Asynkront: undertecknaren aviseras och signerar i portalen före sista dagen.
rule-R-SIG-3 = Signerade dokument
remedy-R-SIG-3 = Det signerade dokumentet levereras som PAdES och XAdES, bevittnat och förseglat av tjänsten, för långtidsvalidering och arkivering.
rule-R-SIG-4 = Status för signeringsuppdrag
remedy-R-SIG-4 = Kontrollera varje undertecknares status (väntar, signerat, avböjt, utgånget, misslyckat). Ett uppdrag efter sista dagen har gått ut och måste skickas på nytt.
rule-R-SIG-5 = Typ av e-underskrift
remedy-R-SIG-5 = Välj autentiserad e-underskrift (nivå 3 eller 4) eller avancerad e-underskrift (nivå 4, undertecknarens egna nycklar), efter vad uppdraget kräver.
rule-R-SIG-6 = Användning av e-underskrift
remedy-R-SIG-6 = Använd e-underskrift för dokument som anställningsavtal, sekretessförbindelser, överklaganden, samtycken till forskning, vårdnadshavares underskrifter och omröstningar.

## Postens status

rule-R-STATE = Inte möjligt i nuvarande status
remedy-R-STATE = Posten har inte en status som tillåter åtgärden. Ladda om sidan, kontrollera status och historik och ta nästa steg som erbjuds.
