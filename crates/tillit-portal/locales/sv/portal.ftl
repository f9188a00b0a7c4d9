# Handläggarportalen, svenska.
language-name = Svenska
portal-title = tillit – registreringsenhet
skip-to-content = Hoppa till innehållet
nav-search = Sök person
nav-reports = Rapporter
sign-in = Logga in
sign-out = Logga ut
signed-in-as = Inloggad som { $name }
search-label = Namn, personnummer eller HSA-id
search-button = Sök
choose-language = Språk
choose-language-button = Visa
