# Saksbehandlerportalen, norsk bokmål.
language-name = Norsk bokmål
portal-title = tillit – registreringsenhet
skip-to-content = Hopp til innholdet
nav-search = Søk etter person
nav-reports = Rapporter
sign-in = Logg inn
sign-out = Logg ut
signed-in-as = Innlogget som { $name }
search-label = Navn, fødselsnummer eller HSA-id
search-button = Søk
choose-language = Språk
choose-language-button = Vis
