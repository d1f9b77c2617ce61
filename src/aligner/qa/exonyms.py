"""French names of places, peoples and institutions whose English form the ``missing-name`` check cannot guess.

Where it comes from: written by hand for this check (issue 16), from the usual English and French names of
countries, capitals and large cities, regions, seas and rivers, nationalities and international bodies, as
both languages' news agencies and Wikipedias title them (Kiev/Kyiv, Cracovie/Krakow, Londres/London, Pékin/
Beijing, ONU/UN). Only pairs that the check's other rules miss are needed: the same name without accents
(Québec/Quebec), a shared five-letter prefix (Serbie/Serbia, Européens/Europeans), the lexical table (trained
on news, it knows Poutine/Putin and Beyrouth/Beirut, but not every rare name), or a transliteration close
enough for fuzzy matching (Ioutchenko/Yushchenko); many entries are kept anyway where the table is unsure.
Keys are lower-case and accent-free, as a capitalised word or hyphenated name of the source folds to; values
are the English forms, lower-case (a form of several words must appear whole).
"""

from __future__ import annotations

_TABLE = """
afghans|afghan;afghans;afghanistan
africains|african;africans;africa
albanais|albanian;albanians;albania
alger|algiers
algeriens|algerian;algerians;algeria
allemagne|germany;german
allemands|german;germans;germany
alpes|alps
alsace|alsace
americains|american;americans;us;u.s.;america
amerique|america;american;americas;us
andalousie|andalusia
angleterre|england;english;britain
anglais|english;british;britain;england;briton;britons
antilles|antilles;caribbean;west indies
anvers|antwerp
arabes|arab;arabs;arabic
arabie|arabia;saudi
argentins|argentine;argentinian;argentinians;argentina
armenie|armenia;armenian
asie|asia;asian
athenes|athens
atlantique|atlantic
autriche|austria;austrian
autrichiens|austrian;austrians
azerbaidjan|azerbaijan
bagdad|baghdad
bale|basel;basle
baltique|baltic
barcelone|barcelona
baviere|bavaria;bavarian
belges|belgian;belgians;belgium
belgique|belgium;belgian
bielorussie|belarus;belarusian;byelorussia
birmanie|burma;myanmar;burmese
bosniaques|bosnian;bosnians;bosniak;bosniaks
bourguignons|burgundians;burgundian;burgundy
bresil|brazil;brazilian
bresiliens|brazilian;brazilians;brazil
bretagne|brittany;britain
britanniques|british;britons;britain;uk
bruxelles|brussels
bucarest|bucharest
bulgares|bulgarian;bulgarians;bulgaria
caire|cairo
cambodge|cambodia;cambodian
cameroun|cameroon
canadiens|canadian;canadians;canada
caraibes|caribbean
catalogne|catalonia;catalan
caucase|caucasus
chine|china;chinese
chinois|chinese;china
chretiens|christian;christians
chypre|cyprus;cypriot
cisjordanie|west bank
colombie-britannique|british columbia
copenhague|copenhagen
coreens|korean;koreans;korea
coree|korea;korean
corfou|corfu
corse|corsica;corsican
cote-d'ivoire|ivory coast;cote d'ivoire
cracovie|krakow;cracow
crete|crete;cretan
crimee|crimea;crimean
croates|croat;croats;croatian;croatia
croatie|croatia;croatian
cubains|cuban;cubans;cuba
danemark|denmark;danish
dantzig|gdansk;danzig
deuxieme|second;ii;two
douvres|dover
dresde|dresden
ecossais|scottish;scots;scot;scotland
ecosse|scotland;scottish
edimbourg|edinburgh
egypte|egypt;egyptian
egyptiens|egyptian;egyptians;egypt
equateur|ecuador;equator
erevan|yerevan
espagne|spain;spanish
espagnols|spanish;spaniards;spain
estonie|estonia;estonian
etats|state;states;us;u.s.
etats-unis|us;u.s.;usa;u.s.a.;united states;america;american;americans;washington
ethiopie|ethiopia;ethiopian
europeens|european;europeans;europe
extreme-orient|far east
finlande|finland;finnish
flandre|flanders;flemish
floride|florida
fmi|imf
francais|french;france;frenchman;frenchmen
france|france;french
francfort|frankfurt
gand|ghent
galles|wales;welsh
gallois|welsh;wales
geneve|geneva
genes|genoa
georgie|georgia;georgian
grece|greece;greek
grecs|greek;greeks;greece
groenland|greenland
guillaume|william
hambourg|hamburg
havane|havana
haye|hague
hexagone|france
hollande|holland;netherlands;dutch;hollande
hongrie|hungary;hungarian
hongrois|hungarian;hungarians;hungary
inde|india;indian
indiens|indian;indians;india
indonesie|indonesia;indonesian
irak|iraq;iraqi
irakiens|iraqi;iraqis;iraq
iraniens|iranian;iranians;iran
irlandais|irish;ireland
irlande|ireland;irish
islande|iceland;icelandic
israeliens|israeli;israelis;israel
italie|italy;italian
italiens|italian;italians;italy
japon|japan;japanese
japonais|japanese;japan
jerusalem|jerusalem
jordanie|jordan;jordanian
juifs|jew;jews;jewish
kaboul|kabul
kiev|kyiv;kiev
koweit|kuwait;kuwaiti
kurdes|kurd;kurds;kurdish
liban|lebanon;lebanese
libanais|lebanese;lebanon
libye|libya;libyan
lisbonne|lisbon
lituanie|lithuania;lithuanian
lituaniens|lithuanian;lithuanians;lithuania
londres|london
lettonie|latvia;latvian
malais|malay;malays;malaysian;malaysia
malaisie|malaysia;malaysian
manche|channel
maroc|morocco;moroccan
marocains|moroccan;moroccans;morocco
mayence|mainz
mecque|mecca
mediterranee|mediterranean
mexicains|mexican;mexicans;mexico
mexique|mexico;mexican
moldavie|moldova;moldavia
mongolie|mongolia;mongolian
moscou|moscow
moyen-orient|middle east
munich|munich
musulmans|muslim;muslims;moslem;moslems;islamic
naples|naples
neerlandais|dutch;netherlands
nil|nile
norvege|norway;norwegian
nouvelle-ecosse|nova scotia
nouvelle-orleans|new orleans
nouvelle-zelande|new zealand
nations|nations;un;u.n.;united nations
oms|who
omc|wto
onu|un;u.n.;united nations
otan|nato
ouganda|uganda
ouzbekistan|uzbekistan
ouzbeks|uzbek;uzbeks;uzbekistan
pakistanais|pakistani;pakistanis;pakistan
palestiniens|palestinian;palestinians;palestine
pays-bas|netherlands;holland;dutch
pekin|beijing;peking
perou|peru;peruvian
philadelphie|philadelphia
pologne|poland;polish
polonais|polish;poles;poland
prague|prague
proche-orient|middle east;near east
prusse|prussia;prussian
pyrenees|pyrenees
quebecois|quebecer;quebecers;quebecker;quebeckers;quebec
rhin|rhine
roumanie|romania;romanian
roumains|romanian;romanians;romania
royaume-uni|uk;u.k.;united kingdom;britain;british
russes|russian;russians;russia
russie|russia;russian
saint-petersbourg|st petersburg;saint petersburg;st. petersburg
sardaigne|sardinia
saxe|saxony
seconde|second;ii;two
serbes|serb;serbs;serbian;serbia
siberie|siberia;siberian
sicile|sicily;sicilian
singapour|singapore
slovaques|slovak;slovaks;slovakia
slovaquie|slovakia;slovak
slovenie|slovenia;slovenian
somalie|somalia;somali
soudan|sudan;sudanese
suede|sweden;swedish
suedois|swedish;swedes;sweden
suisse|switzerland;swiss
suisses|swiss;switzerland
syriens|syrian;syrians;syria
tachkent|tashkent
tadjikistan|tajikistan
tadjiks|tajik;tajiks
tadjik|tajik;tajiks
tamise|thames
tanger|tangier
tchad|chad
tchechenie|chechnya;chechen
tcheques|czech;czechs
tchequie|czech republic;czechia;czech
teheran|tehran
terre|earth;world;land;planet
terre-neuve|newfoundland
thailande|thailand;thai
tsahal|idf;israeli army;israel defense forces
tunisie|tunisia;tunisian
tunisiens|tunisian;tunisians;tunisia
turcs|turkish;turks;turkey
turc|turkish;turk;turkey
turquie|turkey;turkish
ue|eu;european union
ukrainiens|ukrainian;ukrainians;ukraine
varsovie|warsaw
venise|venice
vienne|vienna
vietnam|vietnam;viet nam;vietnamese
vietnamiens|vietnamese;vietnam
est|east;eastern
ouest|west;western
nord|north;northern
sud|south;southern
occident|west;western
orient|east;eastern
homme|human;man;men;mankind;humanity
etat|state;states;government;coup;coups;law
reserve|reserve;fed
conseil|council;board
internet|internet;web;online;net;website;websites
toile|web;internet;online
"""


def _parse(text: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        french, english = line.split("|")
        table[french] = tuple(english.split(";"))
    return table


EXONYMS: dict[str, tuple[str, ...]] = _parse(_TABLE)
