"""Embedded word lists for the sample world: topics, names, genres, foreign languages, spam and chrome.

Everything here is hand-written vocabulary (no text copied from any corpus). Lists are plain tuples so that
iteration order, and therefore every generated file, is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass


def _w(s: str) -> tuple[str, ...]:
    """Split a space-separated word list."""
    return tuple(s.split())


def _p(s: str) -> tuple[str, ...]:
    """Split a '|'-separated phrase list."""
    return tuple(x.strip() for x in s.split("|") if x.strip())


@dataclass(frozen=True)
class Topic:
    """Vocabulary of one topic: singular nouns, transitive verbs (base form), adjectives, named entities."""

    name: str
    nouns: tuple[str, ...]
    verbs: tuple[str, ...]
    adjs: tuple[str, ...]
    entities: tuple[str, ...]
    roles: tuple[str, ...]
    sections: tuple[str, ...]
    subreddits: tuple[str, ...]


TOPICS: dict[str, Topic] = {
    "science": Topic(
        "science",
        _w(
            "experiment laboratory molecule particle cell protein gene telescope galaxy planet star theory "
            "hypothesis measurement sample microscope reaction compound atom electron orbit signal dataset "
            "model study journal discovery fossil crystal enzyme virus equation sensor spectrum observatory "
            "mission satellite comet neutron asteroid instrument"
        ),
        _w(
            "observe measure detect analyze discover publish test confirm predict simulate examine identify "
            "study record explain challenge replicate describe reveal track calculate estimate isolate map "
            "sequence investigate support review launch compare"
        ),
        _w(
            "experimental theoretical molecular cosmic genetic chemical precise surprising rigorous novel "
            "quantum solar microscopic stable unstable dense faint bright statistical preliminary "
            "independent "
            "careful complex ancient distant rare thermal magnetic biological significant early detailed "
            "promising controversial accurate sensitive tiny massive unusual"
        ),
        _p(
            "the Halden Institute|Northbridge University|the European Space Agency|NASA|the Royal Society|"
            "the Kessler Laboratory|the Orion Observatory|the Marlowe Research Center|the Tindall Foundation|"
            "the National Science Foundation|Caltech|the Vesper Array|the Carroway Lab|Brightwater College|"
            "the Institute for Advanced Physics|the Lindqvist Group|the Arecibo team|the Juno mission|"
            "the Hubble Space Telescope|the Pemberton Museum of Natural History|the Geneva Physics Lab|"
            "the Ostrander Clinic|the Sloan Survey|the Meridian Consortium|Eastfield Polytechnic|"
            "the Société de Physique"
        ),
        _w("researcher physicist chemist biologist astronomer geologist professor engineer student director"),
        _w("science space research physics biology"),
        _w("science askscience space Physics biology"),
    ),
    "sports": Topic(
        "sports",
        _w(
            "team game match season coach player league stadium goal trophy championship tournament striker "
            "goalkeeper pitcher quarterback referee fan ticket contract transfer injury victory defeat draft "
            "record medal race marathon court field inning penalty playoff rival roster captain jersey lap "
            "sprint scoreboard"
        ),
        _w(
            "win lose sign trade coach score defend attack beat host train draft release injure celebrate "
            "qualify lead join leave replace extend announce challenge dominate chase face miss block "
            "tackle pass"
        ),
        _w(
            "dominant young veteran talented injured undefeated competitive defensive offensive late early "
            "dramatic stunning narrow decisive crucial famous local national professional amateur fierce "
            "consistent rookie record-breaking home away final opening physical tactical strong weak "
            "impressive disappointing loyal aggressive fast"
        ),
        _p(
            "the Riverton Hawks|the Eastport Mariners|FC Lindenau|the Bay City Comets|the Northern League|"
            "the Premier League|the National Football League|the Olympic committee|the Summit Cup|"
            "the Harbor Town Rangers|Westbrook United|the Copper Valley Miners|the Pacific Series|"
            "the Ironwood Titans|the Granite State Open|the Capital Marathon|the Redfield Royals|"
            "the Lakeshore Lions|the World Athletics Championships|Fairmont Athletic|the Highland Games|"
            "the Metro Basketball Association|the Silverlake Sharks|the Continental Cup|Oakridge Rovers|"
            "Atlético Norte"
        ),
        _w("coach striker manager captain pitcher analyst midfielder goalkeeper commissioner sprinter"),
        _w("sports football basketball baseball soccer tennis"),
        _w("sports soccer nba nfl baseball tennis"),
    ),
    "cooking": Topic(
        "cooking",
        _w(
            "recipe kitchen oven pan skillet sauce soup bread dough flour butter onion garlic tomato pepper "
            "salt spice herb cheese dessert cake pie noodle dumpling salad vegetable chicken steak lemon "
            "mushroom potato broth chef restaurant menu ingredient spoon knife bowl grill marinade stew"
        ),
        _w(
            "bake roast chop stir simmer boil season taste serve prepare mix whisk grill fry knead slice "
            "marinate blend pour sprinkle garnish cook toast melt combine reduce braise glaze stuff store "
            "freeze"
        ),
        _w(
            "fresh crispy tender savory sweet spicy creamy rich simple homemade traditional rustic smoky "
            "tangy golden delicious hearty seasonal bitter mild juicy flaky warm cold quick easy classic "
            "regional roasted fragrant zesty buttery light heavy authentic healthy vegetarian gooey"
        ),
        _p(
            "the Copper Pot|Chef Amara Okafor|the Culinary Institute|the Harvest Table|Bellweather Bakery|"
            "the Old Mill Kitchen|the Saffron House|the Gourmet Guild|Chez Lucienne|the Green Fork|"
            "the Blue Plate Diner|Maison Verdier|the Riverside Market|Trattoria Sole|the Spice Route|"
            "the Food Network|the Farmers Cooperative|the Maple Leaf Cafe|Casa Morales|the Tasting Room|"
            "the Golden Wok|the Hearth and Barrel|Noodle Republic|Sugar and Salt|the Baker Street Deli|"
            "Café Lumière|the Crème Brûlée Club"
        ),
        _w("chef baker cook critic owner sommelier farmer writer host nutritionist"),
        _w("food recipes dining kitchen restaurants"),
        _w("Cooking food recipes Baking AskCulinary"),
    ),
    "history": Topic(
        "history",
        _w(
            "empire kingdom dynasty battle war treaty castle fortress monarch emperor army revolution "
            "archive manuscript artifact ruin colony settlement cathedral monastery siege alliance rebellion "
            "parliament charter chronicle expedition merchant harbor coin tomb temple inscription era "
            "province frontier legion crown map"
        ),
        _w(
            "conquer rule found build defeat sign invade defend besiege restore destroy excavate document "
            "record unite divide overthrow crown establish abolish reform explore trade inherit claim "
            "fortify chronicle preserve rediscover translate govern"
        ),
        _w(
            "ancient medieval royal imperial colonial bloody decisive forgotten legendary powerful wealthy "
            "religious northern southern eastern western early late historic ruined fortified coastal "
            "rebellious noble humble famous mysterious lost surviving original rare military political "
            "economic cultural vast fragile"
        ),
        _p(
            "the Holy Roman Empire|the Byzantine Empire|the House of Aldmere|King Henry II|the Ottoman court|"
            "the Hanseatic League|the Venetian Republic|the British Museum|the Varnholt dynasty|"
            "the Treaty of Calder|the Roman Senate|Queen Matilda|the Order of Saint Brennan|the Mughal "
            "Empire|"
            "the National Archives|the Kingdom of Lorrevan|the Carolingian court|the East India Company|"
            "the Society of Antiquaries|the Ming dynasty|the Duchy of Estmark|the Norman invaders|the "
            "Château de Varenne|"
            "the Abbey of Saint Giles|the Republic of Genoa|the Tudor court"
        ),
        _w("historian archaeologist curator scholar archivist professor author researcher guide professor"),
        _w("history culture heritage archaeology"),
        _w("history AskHistorians HistoryPorn ArtefactPorn"),
    ),
    "technology": Topic(
        "technology",
        _w(
            "software app device smartphone laptop server network database algorithm chip processor browser "
            "platform startup update feature battery screen camera cloud robot drone sensor code bug patch "
            "password encryption website interface keyboard framework library compiler headset router "
            "assistant firmware gadget"
        ),
        _w(
            "launch release update install develop design build test deploy hack encrypt download upload "
            "stream integrate support replace upgrade disable crash fix patch acquire ship announce optimize "
            "automate debug track sync"
        ),
        _w(
            "digital wireless portable smart open-source proprietary fast slow secure vulnerable powerful "
            "cheap expensive sleek new upcoming popular experimental automated mobile virtual cloud-based "
            "reliable buggy efficient modular innovative outdated advanced simple intuitive compact "
            "lightweight flagship"
        ),
        _p(
            "Apple|Google|Microsoft|Amazon|Samsung|Intel|the Linux Foundation|Mozilla|Nimbus Labs|Quantia|"
            "Brightline Software|Vertex Systems|the Open Source Initiative|Halcyon Devices|Pixelforge|"
            "Cobalt Networks|Datastream Inc|the IEEE|Silicon Ridge|Kestrel Robotics|Arcadia Games|"
            "Northwind Cloud|Tessellate AI|Lumen Mobile|Stackhouse"
        ),
        _w("engineer developer founder analyst designer executive researcher programmer spokesperson CEO"),
        _w("tech gadgets software security startups"),
        _w("technology gadgets programming Android apple"),
    ),
    "travel": Topic(
        "travel",
        _w(
            "trip journey flight airport hotel hostel beach island mountain village city museum passport "
            "luggage train ferry cruise route guide tourist destination resort trail coast harbor market "
            "festival landmark bridge cathedral valley lake camp itinerary visa ticket souvenir map view"
        ),
        _w(
            "visit explore book fly hike pack discover recommend tour cross reach leave enjoy photograph "
            "climb sail rent avoid plan reserve cancel delay return wander sample admire board navigate "
            "camp escape"
        ),
        _w(
            "scenic remote crowded quiet charming historic coastal tropical snowy sunny rainy budget luxury "
            "affordable expensive hidden popular local exotic breathtaking colorful vibrant peaceful "
            "rugged ancient modern overnight direct long short cozy spacious friendly safe famous "
            "picturesque"
        ),
        _p(
            "Lisbon|Kyoto|Reykjavík|Patagonia|the Amalfi Coast|Banff National Park|Marrakech|Queenstown|"
            "the Scottish Highlands|Hoi An|Cusco|Lonely Planet|the Orient Express|Dubrovnik|Santorini|"
            "the Camino de Santiago|Bergen|Cape Town|Yosemite|Tasmania|Hallstatt|the Silk Road|Oaxaca|"
            "the Lofoten Islands|TripAdvisor|Zürich|Málaga"
        ),
        _w("traveler guide pilot blogger photographer writer backpacker tourist agent host"),
        _w("travel destinations adventure trips"),
        _w("travel solotravel backpacking Shoestring"),
    ),
    "finance": Topic(
        "finance",
        _w(
            "market stock bond share investor fund bank loan mortgage rate inflation budget tax economy "
            "profit revenue dividend portfolio currency dollar euro price deal merger company startup "
            "pension savings debt credit exchange index forecast quarter earnings recession salary wallet"
        ),
        _w(
            "invest buy sell trade borrow lend raise cut boost lower report forecast acquire merge save "
            "spend owe pay fund hedge audit price value underwrite refinance downgrade upgrade predict "
            "withdraw deposit budget"
        ),
        _w(
            "financial economic fiscal monetary volatile stable risky safe profitable bullish bearish "
            "quarterly annual global domestic corporate private public high low rising falling steady "
            "modest sharp record cheap costly lucrative struggling healthy weak strong cautious "
            "aggressive long-term short-term"
        ),
        _p(
            "the Federal Reserve|the European Central Bank|Wall Street|the Dow Jones|the Nasdaq|"
            "Goldman Sachs|the World Bank|the IMF|Harrow Capital|Sterling & Pike|the Treasury|"
            "Bluewater Partners|Meridian Bank|Ashcombe Investments|the Securities and Exchange Commission|"
            "the London Stock Exchange|Fairhaven Credit Union|Northgate Holdings|the Bank of England|"
            "Crestline Funds|Moody's|Standard & Poor's|Greystone Advisors|the Halvorsen Trust|Coinbase|"
            "Crédit Fontaine"
        ),
        _w("analyst economist investor trader banker executive adviser accountant regulator strategist"),
        _w("business markets economy money personal-finance"),
        _w("finance investing personalfinance economics business"),
    ),
    "health": Topic(
        "health",
        _w(
            "patient doctor nurse hospital clinic disease symptom treatment vaccine drug therapy diet "
            "exercise sleep heart brain muscle bone infection diagnosis surgery trial dose medicine "
            "condition habit stress vitamin allergy injury recovery checkup immunity calorie workout "
            "cancer fever headache pulse"
        ),
        _w(
            "treat prevent diagnose reduce improve prescribe recommend cure test monitor strengthen lower "
            "raise trigger ease boost heal screen vaccinate operate examine avoid manage relieve protect "
            "track measure study restore support"
        ),
        _w(
            "healthy chronic acute mild severe medical clinical mental physical daily regular balanced "
            "effective safe risky common rare preventive painful rapid gradual elderly young pregnant "
            "active sedentary nutritious fatty sugary low-fat immune experimental routine early late "
            "serious harmless"
        ),
        _p(
            "the World Health Organization|the Mayo Clinic|the CDC|St. Aldric Hospital|the NHS|"
            "the Cleveland Clinic|the American Heart Association|Johns Hopkins|the Wellcome Trust|"
            "Greenway Medical Center|the Lancet|the National Institutes of Health|Harmon Pharmaceuticals|"
            "the Red Cross|Pinehurst Clinic|the Food and Drug Administration|Mercy General|"
            "the Institute of Nutrition|Lakeside Health|the Sleep Research Society|Vireo Biotech|"
            "the Cancer Research Fund|Summit Physical Therapy|the Ashby Foundation|Doctors Without Borders|"
            "the Clínica São Bento"
        ),
        _w("doctor nurse surgeon researcher dietitian pharmacist therapist physician epidemiologist trainer"),
        _w("health wellness fitness medicine nutrition"),
        _w("health fitness nutrition medicine loseit"),
    ),
    "music": Topic(
        "music",
        _w(
            "album song band singer guitar piano drum concert tour festival record label track chorus "
            "melody lyric orchestra symphony composer producer studio stage audience ticket vinyl playlist "
            "radio single genre rhythm solo violin choir venue debut encore anthem ballad microphone"
        ),
        _w(
            "record release perform compose sing play tour produce write cover remix sample headline "
            "announce cancel stream top dedicate rehearse arrange conduct premiere master launch inspire "
            "praise debut sell feature mix"
        ),
        _w(
            "acoustic electric loud soft catchy haunting upbeat melancholy classical experimental "
            "psychedelic soulful raw polished live studio sold-out legendary emerging underground "
            "mainstream indie iconic emotional rhythmic ambient folk orchestral debut final new vintage "
            "brilliant dreamy heavy"
        ),
        _p(
            "the Velvet Foxes|Marina Castell|the Brightside Orchestra|Glass Harbor|the Northern Lights Tour|"
            "Rolling Stone|Pitchfork|the Grammy Awards|Echo Park Records|the Royal Albert Hall|"
            "Sunset Boulevard Studios|the Midnight Choir|Jonah Reyes|the Silver Strings|Harborfest|"
            "the Tallis Quartet|Billboard|the Roxy|Luna Park|the Copperheads|Nova Sound|"
            "the Philharmonic Society|Ivory Coast Records|the Summer Sound Festival|DJ Kestrel|Léa Fontaine|"
            "the Orquesta Sinfónica del Norte"
        ),
        _w("singer drummer guitarist producer composer conductor critic songwriter pianist promoter"),
        _w("music albums concerts reviews"),
        _w("Music listentothis WeAreTheMusicMakers indieheads"),
    ),
    "politics": Topic(
        "politics",
        _w(
            "government election vote campaign senator governor mayor parliament congress bill law policy "
            "party candidate voter ballot debate reform budget minister president court ruling committee "
            "agency scandal protest coalition amendment poll district senate cabinet official treaty "
            "referendum veto majority"
        ),
        _w(
            "vote pass veto sign propose debate campaign elect appoint criticize support oppose repeal "
            "amend investigate block approve reject announce negotiate endorse challenge delay fund "
            "question defend lead represent urge reform"
        ),
        _w(
            "political democratic conservative liberal progressive bipartisan partisan federal local "
            "national controversial popular unpopular historic narrow landslide key fragile rural urban "
            "divided united corrupt transparent official independent radical moderate legal unlawful "
            "sweeping public secret powerful vulnerable"
        ),
        _p(
            "the Senate|the House of Commons|the Supreme Court|the European Parliament|the United Nations|"
            "the White House|the Labour Party|the Conservative Party|the Green Party|City Hall|"
            "the State Department|the Electoral Commission|the Ministry of Finance|NATO|the Bundestag|"
            "the Liberal Democrats|the Congressional Budget Office|the Governor's office|"
            "the Civic Alliance|the Reform Party|the Justice Department|the Prime Minister's office|"
            "the City Council|the Election Board|the Constitutional Court|the Assemblée Nationale"
        ),
        _w("senator governor minister spokesperson mayor lawmaker official strategist candidate adviser"),
        _w("politics world elections government policy"),
        _w("politics worldnews news PoliticalDiscussion ukpolitics"),
    ),
    "nature": Topic(
        "nature",
        _w(
            "forest river mountain ocean lake wetland glacier volcano desert island species bird wolf bear "
            "whale salmon bee butterfly tree flower seed habitat ecosystem climate storm drought wildfire "
            "reef coral park trail canyon valley meadow owl fox deer eagle turtle"
        ),
        _w(
            "protect restore threaten migrate nest spot track observe plant grow bloom flood erode shelter "
            "hunt feed pollinate monitor survey release rescue tag conserve endanger recover spread "
            "reintroduce photograph cross inhabit"
        ),
        _w(
            "wild rare endangered native invasive lush arid frozen tropical coastal alpine ancient vast "
            "fragile pristine remote dense green migratory nocturnal colorful majestic tiny giant "
            "seasonal protected threatened diverse healthy polluted scenic quiet rugged fertile dry wet"
        ),
        _p(
            "the National Park Service|the Sierra Club|the WWF|the Audubon Society|Yellowstone|"
            "the Great Barrier Reef|the Amazon rainforest|the Redwood Trust|the Greenfield Reserve|"
            "the Marine Conservation Society|the Alder Creek Sanctuary|the Nature Conservancy|"
            "the Blackwater Estuary|Kruger National Park|the Galapagos Islands|the Wildlife Trust|"
            "the Cascade Range|the Serengeti|the Fenwick Marshes|the Royal Botanic Gardens|"
            "the Pine Hollow Preserve|the Arctic Council|the Coral Watch Project|Lake Baikal|the Everglades|"
            "the Río Verde Reserve"
        ),
        _w(
            "ecologist ranger biologist volunteer conservationist botanist photographer guide scientist "
            "warden"
        ),
        _w("environment wildlife outdoors climate"),
        _w("nature EarthPorn environment wildlife hiking"),
    ),
    "education": Topic(
        "education",
        _w(
            "school student teacher classroom university college course lecture exam grade curriculum "
            "textbook homework degree scholarship campus library professor tutor lesson semester diploma "
            "principal district program skill essay project workshop seminar laboratory assignment "
            "enrollment graduate kindergarten fee quiz"
        ),
        _w(
            "teach learn study enroll graduate grade attend fund expand cut hire train mentor tutor test "
            "assess introduce require reform review design complete fail pass encourage improve support "
            "publish launch admit"
        ),
        _w(
            "academic public private rural urban elementary secondary online remote bilingual gifted "
            "struggling ambitious strict flexible affordable expensive competitive innovative "
            "traditional overcrowded underfunded selective required optional practical creative "
            "talented diligent young adult experienced new"
        ),
        _p(
            "the Department of Education|Harvard|Oxford University|the Ridgeview School District|Khan "
            "Academy|"
            "Westlake College|the National Teachers Union|the Fulbright Program|Maplewood High School|"
            "the College Board|Stanford|the Open University|Brookfield Academy|the Gates Foundation|"
            "Cedar Hill Elementary|the Board of Regents|the Pell Grant program|Coursera|"
            "the Montessori Institute|Lincoln Community College|the Teach First network|St. Anselm's|"
            "the Learning Lab|Crestwood University|the Literacy Council|the École Normale"
        ),
        _w("teacher principal professor student tutor dean counselor superintendent researcher parent"),
        _w("education schools campus learning"),
        _w("education Teachers college GradSchool"),
    ),
}

TOPIC_NAMES: tuple[str, ...] = tuple(TOPICS)

FIRST_NAMES = _w(
    "Mara Jonah Elena Tobias Priya Samuel Nadia Oliver Grace Mateo Hannah Felix Amira Lucas Chloe Daniel "
    "Ingrid Marcus Leila Owen Sofia Theo Yara Victor Iris Caleb Naomi Ethan Rosa Hugo Clara Aaron Maya "
    "Julian Zoe Adrian Lena Isaac Vera Nathan Eliza Rafael Tessa Gabriel Noor Simon Alice Omar Ruth Miles "
    "Camila Peter Freya Jasper Anya Leo Beatrice Elias Mina Kofi Helena Arjun Lucia Declan Sana Milo "
    "Esther Ravi Greta Wesley Ines Connor Talia Bruno Maeve Diego Selma Rowan Ada Kenji Lydia Sterling "
    "Harriet Emil Nora Quentin José Zoë Björn Renée Søren Inés"
)
LAST_NAMES = _w(
    "Marsh Okafor Lindqvist Reyes Castell Hartley Novak Brennan Adeyemi Fischer Moreau Tanaka Whitfield "
    "Alvarez Kowalski Osei Ramirez Sullivan Petrov Haddad Nakamura Johansson Mbeki Carver Dubois Iyer "
    "Holloway Varga Santos Keller Abbott Lindgren Morales Quinn Achebe Delacroix Fontaine Hale Ibrahim "
    "Jensen Kaur Larsen Mendez Nguyen Oyelaran Park Rossi Schmidt Thornton Ueda Vance Walsh Yilmaz Zhao "
    "Bishop Callahan Draper Ellison Forsyth Galloway Hendricks Irving Jablonski Kingsley Lowell Mercer "
    "Navarro Ortega Pryce Radford Stroud Tillman Underwood Voss Winslow Yates Ashdown Blackwood Crane "
    "Dunmore Everly Fairbanks Núñez Müller Gonçalves Pérez Ångström"
)
CITIES = _p(
    "London|Paris|Berlin|Madrid|Rome|Toronto|Chicago|Boston|Seattle|Denver|Austin|Atlanta|Sydney|"
    "Melbourne|Dublin|Edinburgh|Manchester|Amsterdam|Stockholm|Oslo|Vienna|Prague|Warsaw|Lisbon|Athens|"
    "Istanbul|Cairo|Nairobi|Lagos|Mumbai|Delhi|Singapore|Tokyo|Osaka|Seoul|Beijing|Shanghai|Manila|"
    "Jakarta|Mexico City|Bogotá|Lima|Santiago|Buenos Aires|São Paulo|Vancouver|Montreal|Portland|"
    "Phoenix|Miami|Zürich|Copenhagen|Helsinki|Brussels|Munich|Barcelona|Cape Town|Auckland"
)
COUNTRIES_CAPITALS: tuple[tuple[str, str], ...] = (
    ("France", "Paris"),
    ("Germany", "Berlin"),
    ("Spain", "Madrid"),
    ("Italy", "Rome"),
    ("Japan", "Tokyo"),
    ("Canada", "Ottawa"),
    ("Australia", "Canberra"),
    ("Brazil", "Brasilia"),
    ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"),
    ("India", "New Delhi"),
    ("China", "Beijing"),
    ("Mexico", "Mexico City"),
    ("Argentina", "Buenos Aires"),
    ("Norway", "Oslo"),
    ("Sweden", "Stockholm"),
    ("Finland", "Helsinki"),
    ("Poland", "Warsaw"),
    ("Portugal", "Lisbon"),
    ("Greece", "Athens"),
    ("Turkey", "Ankara"),
    ("Peru", "Lima"),
    ("Chile", "Santiago"),
    ("Ireland", "Dublin"),
    ("Austria", "Vienna"),
    ("Denmark", "Copenhagen"),
    ("South Korea", "Seoul"),
    ("Thailand", "Bangkok"),
    ("Vietnam", "Hanoi"),
    ("Nigeria", "Abuja"),
    ("Morocco", "Rabat"),
    ("New Zealand", "Wellington"),
    ("Switzerland", "Bern"),
    ("the Netherlands", "Amsterdam"),
    ("Belgium", "Brussels"),
    ("Hungary", "Budapest"),
)
COUNTRIES = tuple(c for c, _ in COUNTRIES_CAPITALS)
MONTHS = _w("January February March April May June July August September October November December")
WEEKDAYS = _w("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
ADVERBS = _w(
    "quickly slowly carefully quietly suddenly finally recently gradually openly sharply steadily "
    "largely widely rarely often briefly clearly easily"
)
CONNECTORS = _p(
    "However,|In addition,|Meanwhile,|As a result,|At the same time,|For now,|Still,|In fact,|Later,|"
    "By contrast,|Even so,|For example,|In the meantime,|On the other hand,|Earlier,|Overall,"
)
TIME_PHRASES = _p(
    "last week|on Monday|on Tuesday|on Friday|earlier this year|last month|this spring|in the summer|"
    "over the weekend|last year|this week|in recent months|two years ago|in the autumn|late last night|"
    "earlier this month"
)
SYLLABLES_A = _w(
    "var ken ash bri cal dor el fen gar hal ist jor kel lor mar nor or pen quil ros sel tor ul ver wyn"
)
SYLLABLES_B = _w("holt ford mere wick ton by dale wood stead more ham ley burn gate field brook haven crest")

SITE_WORDS_A = _w(
    "daily metro global north south east west city harbor summit bright river valley civic open urban "
    "modern coastal capital morning evening weekly national prairie pioneer liberty"
)
SITE_WORDS_B = _w(
    "ledger orbit pulse gazette chronicle times review digest insider wire journal post report herald "
    "tribune observer monitor beat lens dispatch signal courier bulletin record"
)


# Narrative fiction genres, split between books1 and books2.
@dataclass(frozen=True)
class Genre:
    """Vocabulary of a fiction genre: nouns, past-tense verbs, adjectives, places, weather, utterances."""

    name: str
    nouns: tuple[str, ...]
    verbs_past: tuple[str, ...]
    adjs: tuple[str, ...]
    places: tuple[str, ...]
    weather: tuple[str, ...]


GENRES: dict[str, Genre] = {
    "adventure": Genre(
        "adventure",
        _w(
            "map compass ship rope lantern island cave treasure storm raft canyon knife torch bridge river "
            "jungle"
        ),
        _w("grabbed climbed crossed followed searched dragged found lost carried pushed lifted studied"),
        _w("narrow steep dark ancient broken hidden wild distant heavy rusty dangerous endless"),
        _p("the harbor|the cliffs|the old mine|the jungle camp|the river bend|the island shore|the ridge"),
        _p("rain|wind|fog|thunder|snow"),
    ),
    "romance": Genre(
        "romance",
        _w(
            "letter garden dance ring window piano rose balcony carriage locket invitation portrait cafe "
            "scarf"
        ),
        _w("held kissed wrote remembered touched noticed hid folded opened carried returned admired"),
        _w("gentle quiet golden warm shy bright tender familiar elegant faded secret lovely"),
        _p("the garden|the ballroom|the seaside cottage|the little cafe|the train station|the orchard"),
        _p("rain|sunlight|mist|snow|breeze"),
    ),
    "mystery": Genre(
        "mystery",
        _w(
            "clue key note photograph diary safe footprint alibi suspect detective ledger envelope lock "
            "witness"
        ),
        _w("examined noticed questioned unlocked hid suspected discovered followed compared burned read"),
        _w("strange missing locked torn dusty faint suspicious careful nervous quiet cold hidden"),
        _p("the study|the police station|the library|the old manor|the train platform|the cellar"),
        _p("rain|fog|wind|sleet|drizzle"),
    ),
    "historical": Genre(
        "historical",
        _w(
            "sword banner horse letter crown carriage musket chapel harvest ship candle manuscript oath "
            "shield"
        ),
        _w("rode sealed signed crossed defended carried swore buried read summoned raised delivered"),
        _w("royal weary loyal humble proud cold muddy ancient grand quiet stern faithful"),
        _p("the castle|the village square|the battlefield|the abbey|the harbor|the king's hall"),
        _p("rain|frost|wind|snow|sleet"),
    ),
    "fantasy": Genre(
        "fantasy",
        _w("dragon sword spell tower crystal staff amulet scroll rune throne portal wand beast crown potion"),
        _w("summoned whispered forged cast shattered awakened guarded sealed conjured banished carried"),
        _w("enchanted ancient cursed glowing silver shadowy mighty forgotten elven arcane sacred dark"),
        _p("the tower|the enchanted forest|the mountain pass|the throne room|the ruined temple|the gate"),
        _p("rain|storm|mist|ash|wind"),
    ),
    "scifi": Genre(
        "scifi",
        _w("station ship signal engine planet console drone reactor beacon airlock satellite probe android"),
        _w("scanned decoded launched repaired docked transmitted calibrated overrode detected powered"),
        _w("orbital silent damaged alien synthetic distant bright cold experimental humming broken vast"),
        _p("the bridge|the cargo bay|the colony|the research deck|the landing site|the control room"),
        _p("dust|static|radiation|solar wind|ice"),
    ),
    "thriller": Genre(
        "thriller",
        _w("phone gun file car bomb code camera badge briefcase laptop passport van message warehouse"),
        _w("checked grabbed deleted hid chased tracked warned copied stole dialed locked photographed"),
        _w("encrypted urgent armed secret stolen nervous empty dark black quiet fast dangerous"),
        _p("the safe house|the embassy|the parking garage|the airport|the rooftop|the warehouse"),
        _p("rain|wind|fog|snow|heat"),
    ),
    "horror": Genre(
        "horror",
        _w("door candle mirror doll basement attic grave lantern voice shadow portrait cellar bell well"),
        _w("heard whispered opened closed screamed froze trembled watched dropped followed backed"),
        _w("cold rotten silent hollow pale dark crooked empty damp faint ancient twisted"),
        _p("the attic|the cellar|the old church|the graveyard|the long hallway|the abandoned house"),
        _p("rain|fog|wind|thunder|frost"),
    ),
}
BOOKS1_GENRES = ("adventure", "romance", "mystery", "historical")
BOOKS2_GENRES = ("fantasy", "scifi", "thriller", "horror")


@dataclass(frozen=True)
class Language:
    """A small vocabulary of a non-English language: nouns with article, 3sg verbs, adjectives, templates."""

    code: str
    nouns: tuple[str, ...]
    verbs: tuple[str, ...]
    adjs: tuple[str, ...]
    templates: tuple[str, ...]
    nav: tuple[str, ...]


LANGUAGES: dict[str, Language] = {
    "es": Language(
        "es",
        _p(
            "el gobierno|la ciudad|el proyecto|la empresa|el mercado|la escuela|el equipo|la familia|"
            "el precio|la casa|el año|la semana|el problema|la salud|el país|la música|el libro|la comida|"
            "el viaje|la noticia|el partido|la historia|el trabajo|la tienda|el hospital|la universidad|"
            "el río|la montaña|el coche|la calle"
        ),
        _w(
            "presenta anuncia mejora cambia necesita busca ofrece explica prepara construye visita recibe "
            "abre "
            "cierra celebra organiza defiende publica reduce aumenta"
        ),
        _w(
            "nuevo grande importante pequeño público nacional local difícil fácil rápido antiguo moderno "
            "popular interesante económico social"
        ),
        (
            "{N} {V} {N2} en {C}.",
            "Según {P}, {N} es muy {A} y {V} {N2} cada año.",
            "Por eso, {N} también {V} {N2} de la región.",
            "Hace {num} años, {N} ya {V} {N2} con el apoyo de {N3}.",
            "Además, {N} {A} {V} {N2} porque {N3} no es {A}.",
            "Para {P}, {N} es {A}, pero {N2} {V} {N3} sin problemas.",
        ),
        _p("Inicio|Noticias|Contacto|Quiénes somos|Buscar|Política de privacidad|Aviso legal|Entrar"),
    ),
    "de": Language(
        "de",
        _p(
            "die Regierung|die Stadt|das Projekt|das Unternehmen|der Markt|die Schule|die Mannschaft|"
            "die Familie|der Preis|das Haus|das Jahr|die Woche|das Problem|die Gesundheit|das Land|die Musik|"
            "das Buch|das Essen|die Reise|die Nachricht|das Spiel|die Geschichte|die Arbeit|der Laden|"
            "das Krankenhaus|die Universität|der Fluss|der Berg|das Auto|die Straße"
        ),
        _w(
            "präsentiert verbessert ändert braucht sucht bietet erklärt baut besucht erhält öffnet schließt "
            "feiert organisiert verteidigt veröffentlicht reduziert erhöht plant unterstützt"
        ),
        _w(
            "neu groß wichtig klein öffentlich national lokal schwierig einfach schnell alt modern beliebt "
            "interessant wirtschaftlich sozial"
        ),
        (
            "{N} {V} {N2} in {C}.",
            "Nach Angaben von {P} ist {N} sehr {A} und {V} jedes Jahr {N2}.",
            "Deshalb {V} {N} auch {N2} der Region.",
            "Vor {num} Jahren {V} {N} bereits {N2} mit Hilfe von {P}.",
            "Außerdem {V} {N} {N2}, weil {N3} nicht {A} ist.",
            "Für {P} ist {N} {A}, aber {N2} {V} {N3} ohne Probleme.",
        ),
        _p("Startseite|Nachrichten|Kontakt|Über uns|Suche|Datenschutz|Impressum|Anmelden"),
    ),
    "fr": Language(
        "fr",
        _p(
            "le gouvernement|la ville|le projet|l'entreprise|le marché|l'école|l'équipe|la famille|le prix|"
            "la maison|l'année|la semaine|le problème|la santé|le pays|la musique|le livre|la cuisine|"
            "le voyage|la nouvelle|le match|l'histoire|le travail|le magasin|l'hôpital|l'université|"
            "la rivière|la montagne|la voiture|la rue"
        ),
        _w(
            "présente annonce améliore change cherche offre explique prépare construit visite reçoit ouvre "
            "ferme célèbre organise défend publie réduit augmente soutient"
        ),
        _w(
            "nouveau grand important petit public national local difficile facile rapide ancien moderne "
            "populaire intéressant économique social"
        ),
        (
            "{N} {V} {N2} à {C}.",
            "Selon {P}, {N} est très {A} et {V} {N2} chaque année.",
            "Pourtant, {N} {V} aussi {N2} de la région.",
            "Il y a {num} ans, {N} {V} déjà {N2} avec le soutien de {P}.",
            "En outre, {N} {V} {N2} parce que {N3} n'est pas {A}.",
            "Pour {P}, {N} est {A}, mais {N2} {V} {N3} sans problème.",
        ),
        _p(
            "Accueil|Actualités|Contact|Qui sommes-nous|Rechercher|Confidentialité|Mentions légales|Connexion"
        ),
    ),
}

SPAM_PRODUCTS = _p(
    "replica watches|designer handbags|weight loss pills|payday loans|online casino|free slots|cheap flights|"
    "car insurance quotes|forex signals|bitcoin doubler|seo services|essay writing service|cheap hotels|"
    "running shoes outlet|sunglasses sale|iphone unlock|free movie download|serial keygen|diet supplements|"
    "hair loss cure|poker bonus|cheap followers|web hosting deals|vpn premium crack|luxury replica bags"
)
SPAM_MODIFIERS = _p(
    "cheap|buy now|best price|discount|free shipping|100% guaranteed|limited offer|click here|online|sale|"
    "top rated|lowest price|order today|free download|best deal|no prescription|casino|bonus|win big|"
    "act now|hot deal|wholesale|official site|instant approval|risk free|50% off|free trial|vip"
)
BOILERPLATE_NAV = _p(
    "Home|About|About Us|Contact|Contact Us|Login|Log in|Register|Sign up|Search|Skip to content|"
    "Skip to main content|Menu|Blog|News|Shop|Cart|My Account|FAQ|Help|Careers|Advertise|Press|Sitemap|"
    "Privacy Policy|Terms of Use|Terms and Conditions|Cookie Policy|Subscribe|Newsletter|Archives|"
    "Categories|Recent Posts|Popular|Trending|Follow us|RSS|Back to top|Read more|Load more"
)
BOILERPLATE_LINES = _p(
    "We use cookies to improve your experience on our website. By continuing to browse, you agree to our "
    "use of cookies.|This site uses cookies. Find out more.|Accept all cookies|Share on Facebook|Tweet|"
    "Pin it|Share via Email|Print this page|Leave a comment|Previous post|Next post|Posted by admin|"
    "Powered by WordPress|All rights reserved.|Sign up for our newsletter|Enter your email address|"
    "Your email address will not be published. Required fields are marked *|Related posts|"
    "You may also like|Sponsored content|Advertisement|Loading...|Click to enlarge|Filed under|"
    "Follow us on Twitter|Like us on Facebook|Join our mailing list|Comments are closed."
)
CHROME_SHARE = _p("Share on Facebook|Tweet|Share on Reddit|Email|Print|WhatsApp|Pin it")

# Prompt-building vocabularies.
ANIMALS = _w(
    "fox rabbit turtle owl penguin elephant giraffe squirrel hedgehog otter dolphin bear cat dog mouse frog "
    "lion tiger panda koala kangaroo duck goat horse crow octopus raccoon badger beaver zebra wolf moose camel "
    "hippo rhino cheetah parrot flamingo seal walrus hamster sloth llama chipmunk lizard snail whale crab bee "
    "butterfly ladybug peacock swan pig cow sheep chicken donkey mole bat lemur yak pelican"
)
SKILLS = _p(
    "swim|paint|play the piano|fly|read|cook pasta|dance|sing|climb trees|ride a bicycle|juggle|knit|"
    "play chess|build a boat|tell jokes|speak French|garden|skate|write poems|fish|bake bread|draw maps|"
    "whistle|ice skate|surf|bake a cake|ski|skateboard|play the drums|play the violin|tie knots|do magic tricks|"
    "make pottery|sail|read the stars|count to one hundred|write letters|take photos|make friends|share|"
    "tell the time|play soccer|do cartwheels|build a snowman|fix bicycles|paint portraits|ride a scooter|"
    "play the flute|speak Spanish|fly a kite"
)
TASKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "learn a new language",
        (
            "practice a little every day",
            "talk with native speakers",
            "review vocabulary with flashcards",
            "watch films with subtitles",
        ),
    ),
    (
        "save money for a vacation",
        (
            "set a monthly savings goal",
            "open a separate savings account",
            "cut one regular expense",
            "book flights early",
        ),
    ),
    (
        "train for a marathon",
        (
            "build mileage slowly",
            "do one long run each week",
            "rest between hard runs",
            "practice eating and drinking while running",
        ),
    ),
    (
        "keep houseplants alive",
        (
            "water only when the soil is dry",
            "give them enough indirect light",
            "use pots with drainage holes",
            "check the leaves for pests",
        ),
    ),
    (
        "prepare for a job interview",
        (
            "research the company",
            "practice common questions aloud",
            "prepare examples of your work",
            "arrive early",
        ),
    ),
    (
        "sleep better",
        (
            "keep a regular bedtime",
            "avoid screens before bed",
            "keep the bedroom cool and dark",
            "limit caffeine after noon",
        ),
    ),
    (
        "clean a cast iron pan",
        (
            "rinse it with hot water",
            "scrub with coarse salt",
            "dry it completely",
            "rub it with a thin layer of oil",
        ),
    ),
    (
        "study for an exam",
        (
            "make a study schedule",
            "test yourself with practice questions",
            "study in short focused sessions",
            "sleep well the night before",
        ),
    ),
    (
        "make new friends in a new city",
        (
            "join a club or class",
            "volunteer for a local group",
            "say yes to invitations",
            "talk to your neighbors",
        ),
    ),
    (
        "reduce stress at work",
        ("take short breaks", "make a daily to-do list", "say no to extra tasks", "go for a walk at lunch"),
    ),
    (
        "start running",
        (
            "buy comfortable shoes",
            "start with short run-walk intervals",
            "run at an easy pace",
            "rest on alternate days",
        ),
    ),
    (
        "write a good essay",
        (
            "start with a clear thesis",
            "make an outline",
            "support each point with evidence",
            "revise the draft",
        ),
    ),
    (
        "learn to cook",
        (
            "start with simple recipes",
            "learn basic knife skills",
            "taste as you cook",
            "cook the same dish several times",
        ),
    ),
    (
        "organize a small closet",
        (
            "remove everything first",
            "donate what you do not wear",
            "group items by type",
            "use bins and hooks",
        ),
    ),
    (
        "speak in public with confidence",
        (
            "know your material well",
            "practice in front of a friend",
            "breathe slowly before you start",
            "look at friendly faces",
        ),
    ),
    (
        "grow tomatoes",
        (
            "plant them in full sun",
            "water deeply and regularly",
            "support them with stakes",
            "feed them with compost",
        ),
    ),
    (
        "get better at chess",
        ("play a few games every day", "study basic openings", "review your lost games", "solve short puzzles"),
    ),
    (
        "drink more water",
        ("carry a reusable bottle", "drink a glass with every meal", "set reminders on your phone", "eat fruit"),
    ),
    (
        "wake up earlier",
        (
            "move your alarm back by fifteen minutes at a time",
            "put the alarm across the room",
            "open the curtains right away",
            "go to bed earlier",
        ),
    ),
    (
        "read more books",
        ("read twenty pages a day", "keep a book in your bag", "join a book club", "read before bed"),
    ),
    (
        "spend less time on my phone",
        (
            "turn off most notifications",
            "keep the phone out of the bedroom",
            "set app time limits",
            "replace scrolling with a walk",
        ),
    ),
    (
        "learn to play the guitar",
        ("learn a few basic chords", "practice fifteen minutes a day", "play songs you love", "use a tuner"),
    ),
    (
        "eat more vegetables",
        (
            "add a vegetable to every meal",
            "keep cut vegetables in the fridge",
            "try one new recipe a week",
            "make soups and stir-fries",
        ),
    ),
    (
        "stay focused while working from home",
        (
            "keep a fixed work area",
            "plan the day the night before",
            "work in timed blocks",
            "close unused browser tabs",
        ),
    ),
    (
        "paint a room",
        ("clean and tape the walls", "use a primer", "cut in the edges with a brush", "apply two thin coats"),
    ),
    (
        "train a puppy",
        (
            "use treats to reward good behavior",
            "keep training sessions short",
            "be consistent with commands",
            "take it outside often",
        ),
    ),
    (
        "write a resume",
        (
            "start with a short summary",
            "list results, not just duties",
            "keep it to one page",
            "tailor it to each job",
        ),
    ),
    (
        "make a budget",
        (
            "list your monthly income",
            "track every expense for a month",
            "set limits for each category",
            "review it at the end of the month",
        ),
    ),
)
FACT_QA: tuple[tuple[str, str], ...] = (
    (
        "Why is the sky blue?",
        "Air molecules scatter blue sunlight much more than red light, so the sky looks blue.",
    ),
    (
        "What causes the seasons on Earth?",
        "The tilt of Earth's axis changes how directly sunlight hits each hemisphere during the year.",
    ),
    (
        "Why do leaves change color in the fall?",
        "Trees stop making green chlorophyll, which reveals yellow and orange pigments.",
    ),
    (
        "How do plants make food?",
        "Plants use sunlight, water and carbon dioxide to make sugar through photosynthesis.",
    ),
    (
        "What is the boiling point of water at sea level?",
        "Water boils at 100 degrees Celsius (212 degrees Fahrenheit) at sea level.",
    ),
    (
        "Why does the moon have phases?",
        "As the moon orbits Earth we see different portions of its sunlit half.",
    ),
    ("What is the largest planet in the solar system?", "Jupiter is the largest planet in the solar system."),
    ("How many continents are there?", "There are seven continents."),
    ("What do bees make?", "Bees make honey and beeswax."),
    ("Why do we need sleep?", "Sleep lets the body repair itself and helps the brain store memories."),
    ("What is the freezing point of water?", "Water freezes at 0 degrees Celsius (32 degrees Fahrenheit)."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("What gas do humans breathe out?", "Humans breathe out carbon dioxide."),
    ("Which ocean is the largest?", "The Pacific Ocean is the largest ocean."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    ("What is the tallest mountain on Earth?", "Mount Everest is the tallest mountain on Earth."),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("What is the closest star to Earth?", "The Sun is the closest star to Earth."),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet."),
    ("How many bones are in the adult human body?", "An adult human body has 206 bones."),
    ("What is the longest river in Africa?", "The Nile is the longest river in Africa."),
    ("Why do cats purr?", "Cats purr to show contentment and also to soothe themselves when stressed or hurt."),
    ("What does a thermometer measure?", "A thermometer measures temperature."),
    ("How many players are on a soccer team on the field?", "Each soccer team has eleven players on the field."),
    ("What is the hardest natural substance?", "Diamond is the hardest natural substance."),
    ("Why does ice float on water?", "Ice is less dense than liquid water, so it floats."),
    ("What is the smallest planet in the solar system?", "Mercury is the smallest planet in the solar system."),
    ("How many hearts does an octopus have?", "An octopus has three hearts."),
    (
        "What is the largest desert in the world?",
        "Antarctica is the largest desert; the Sahara is the largest hot one.",
    ),
    (
        "Why do we have leap years?",
        "A year is about 365.25 days, so an extra day every four years keeps calendars aligned.",
    ),
    ("What is the speed of light?", "Light travels at about 300,000 kilometers per second."),
    ("How many strings does a standard guitar have?", "A standard guitar has six strings."),
    ("What is the main gas in Earth's air?", "Nitrogen makes up about 78 percent of Earth's air."),
    ("Why do onions make you cry?", "Cutting onions releases a gas that irritates the eyes, which then make tears."),
    ("How long does it take Earth to orbit the Sun?", "Earth takes about 365.25 days to orbit the Sun."),
    ("What is the largest mammal?", "The blue whale is the largest mammal."),
    ("How many minutes are in a soccer match?", "A soccer match lasts 90 minutes, in two halves of 45."),
    ("What causes thunder?", "Lightning heats the air so fast that it expands with a loud boom, which is thunder."),
    ("Why is the ocean salty?", "Rivers carry dissolved minerals from rocks into the sea, where the salt builds up."),
    ("How many teeth does an adult have?", "Most adults have 32 teeth, including the wisdom teeth."),
    ("What is the capital of the United States?", "The capital of the United States is Washington, D.C."),
    ("Which animal is the fastest on land?", "The cheetah is the fastest land animal."),
    ("What do caterpillars turn into?", "Caterpillars turn into butterflies or moths."),
)
UNIT_FACTS: tuple[tuple[str, str, int], ...] = (
    ("minutes", "hour", 60),
    ("days", "week", 7),
    ("centimeters", "meter", 100),
    ("grams", "kilogram", 1000),
    ("months", "year", 12),
    ("seconds", "minute", 60),
    ("hours", "day", 24),
    ("inches", "foot", 12),
    ("feet", "yard", 3),
    ("years", "century", 100),
    ("years", "decade", 10),
    ("ounces", "pound", 16),
    ("millimeters", "centimeter", 10),
    ("meters", "kilometer", 1000),
    ("minutes", "day", 1440),
    ("seconds", "hour", 3600),
    ("hours", "week", 168),
    ("days", "fortnight", 14),
    ("milliliters", "liter", 1000),
    ("cups", "pint", 2),
    ("pints", "quart", 2),
    ("quarts", "gallon", 4),
    ("teaspoons", "tablespoon", 3),
    ("inches", "yard", 36),
    ("feet", "mile", 5280),
    ("milligrams", "gram", 1000),
    ("decades", "century", 10),
    ("eggs", "dozen", 12),
)
BOOK_AUTHORS: tuple[tuple[str, str], ...] = (
    ("Pride and Prejudice", "Jane Austen"),
    ("Moby-Dick", "Herman Melville"),
    ("War and Peace", "Leo Tolstoy"),
    ("Hamlet", "William Shakespeare"),
    ("The Odyssey", "Homer"),
    ("Don Quixote", "Miguel de Cervantes"),
    ("Frankenstein", "Mary Shelley"),
    ("Great Expectations", "Charles Dickens"),
    ("The Origin of Species", "Charles Darwin"),
    ("Crime and Punishment", "Fyodor Dostoevsky"),
    ("Jane Eyre", "Charlotte Brontë"),
    ("The Time Machine", "H. G. Wells"),
    ("Dracula", "Bram Stoker"),
    ("Walden", "Henry David Thoreau"),
    ("Ulysses", "James Joyce"),
    ("Madame Bovary", "Gustave Flaubert"),
    ("Anna Karenina", "Leo Tolstoy"),
    ("Wuthering Heights", "Emily Brontë"),
    ("Little Women", "Louisa May Alcott"),
    ("The Adventures of Tom Sawyer", "Mark Twain"),
    ("Treasure Island", "Robert Louis Stevenson"),
    ("Emma", "Jane Austen"),
    ("Oliver Twist", "Charles Dickens"),
    ("A Tale of Two Cities", "Charles Dickens"),
    ("Macbeth", "William Shakespeare"),
    ("Romeo and Juliet", "William Shakespeare"),
    ("The Iliad", "Homer"),
    ("Les Misérables", "Victor Hugo"),
    ("The Count of Monte Cristo", "Alexandre Dumas"),
    ("Heart of Darkness", "Joseph Conrad"),
    ("The Picture of Dorian Gray", "Oscar Wilde"),
    ("Alice's Adventures in Wonderland", "Lewis Carroll"),
    ("The War of the Worlds", "H. G. Wells"),
    ("The Brothers Karamazov", "Fyodor Dostoevsky"),
    ("Middlemarch", "George Eliot"),
    ("The Scarlet Letter", "Nathaniel Hawthorne"),
    ("Gulliver's Travels", "Jonathan Swift"),
    ("Robinson Crusoe", "Daniel Defoe"),
    ("The Call of the Wild", "Jack London"),
    ("Sense and Sensibility", "Jane Austen"),
    ("Around the World in Eighty Days", "Jules Verne"),
    ("Twenty Thousand Leagues Under the Seas", "Jules Verne"),
    ("The Jungle Book", "Rudyard Kipling"),
    ("Anne of Green Gables", "Lucy Maud Montgomery"),
    ("The Secret Garden", "Frances Hodgson Burnett"),
    ("Dr Jekyll and Mr Hyde", "Robert Louis Stevenson"),
    ("The Canterbury Tales", "Geoffrey Chaucer"),
    ("Faust", "Johann Wolfgang von Goethe"),
    ("The Divine Comedy", "Dante Alighieri"),
    ("Candide", "Voltaire"),
)
POSITIVE_PHRASES = _p(
    "works perfectly|exceeded my expectations|is worth every penny|arrived quickly|is very well made|"
    "I would buy it again|my whole family loves it|is easy to use|looks great|is the best I have owned|"
    "does exactly what it promises|feels solid and sturdy|was a great gift|saves me so much time|"
    "is super comfortable|is beautifully designed|is a joy to use every day|I recommend it to everyone|"
    "was easy to set up|has held up really well"
)
NEGATIVE_PHRASES = _p(
    "broke after two days|was a waste of money|arrived damaged|stopped working within a week|"
    "is very poorly made|I want a refund|smells strange|is much smaller than described|"
    "is hard to use|was the worst purchase I have made|"
    "fell apart after a month|is way too loud|I regret buying it|does not work as advertised|"
    "feels cheap and flimsy|gave me nothing but trouble|is overpriced for what it is|"
    "I am sending it back|was missing parts|is a total disappointment"
)
PRODUCTS = _p(
    "coffee maker|blender|backpack|desk lamp|phone case|water bottle|rice cooker|pair of headphones|"
    "winter jacket|toaster|yoga mat|electric kettle|office chair|tent|board game|vacuum cleaner|"
    "smartwatch|standing desk|air fryer|electric toothbrush|bluetooth speaker|camping stove|reading lamp|"
    "laptop stand|espresso machine|robot vacuum|pair of running shoes|rain jacket|travel mug|cast iron skillet|"
    "baby stroller|dog bed|cat tree|gaming mouse|mechanical keyboard|sleeping bag|kitchen scale|hair dryer|"
    "portable charger|e-reader|bike helmet|garden hose|air purifier|weighted blanket|desk organizer"
)
RECIPIENTS = _p(
    "landlord|manager|professor|neighbor|team|doctor|insurance company|customer support team|"
    "child's teacher|school principal|HR department|bank|dentist|coach|client|supervisor|property manager|"
    "city council|hotel manager|airline|gym|internet provider|local library|homeowners association|tutor|editor"
)
REQUESTS = _p(
    "a deadline extension|a refund|a meeting next week|a repair in my apartment|a day off on Friday|"
    "a copy of my records|feedback on my report|a letter of recommendation|"
    "an update on my order|a meeting to discuss my salary|permission to work from home on Mondays|"
    "information about the summer program|an invoice for last month|a later start date|a quieter room|"
    "a copy of the contract|help with my account login|a change to my schedule|a replacement part|"
    "more time on the project|a parking permit|an appointment next week|feedback on my presentation|"
    "a refund for a cancelled class|a receipt for my payment|advice on next steps|a short call this week|"
    "a discount for a group booking"
)
POEM_TOPICS = _p(
    "the ocean|autumn leaves|a rainy morning|the city at night|an old friend|the first snow|a lighthouse|"
    "the mountains|a summer garden|the moon|"
    "the sea at dawn|my grandmother's kitchen|the last day of summer|a city bus|a cup of coffee|a winter forest|"
    "my hometown|a broken umbrella|the stars|a quiet library|a thunderstorm|spring rain|an empty playground|"
    "a long train ride|the desert at night|a field of sunflowers|a harbor at dusk|friendship|growing older|"
    "a new baby|a lost dog|the first day of school|the northern lights|falling leaves|a mountain lake|"
    "a busy market|an old photograph|a paper boat|the wind|a candle|a bicycle ride|a river|a snowy evening|"
    "the sound of rain|a sleeping cat|an old bridge|a rooftop at night|the road home|a cherry tree|"
    "morning fog|a letter from home|the end of a long week|a new job|moving away|a forgotten song"
)
EVENTS = _p(
    "the opening of our new bakery|a free concert in the park|our summer sale|the launch of our app|"
    "a charity run next Saturday|our new podcast episode|the grand opening of a bookstore|"
    "a farmers market|an open mic night|a book signing|a pop-up art show|our anniversary party|"
    "a free yoga class|a community cleanup|a trivia night|a cooking workshop|a kids' craft day|"
    "a charity bake sale|a movie night under the stars|a job fair|a plant swap|a used book sale|"
    "a live jazz night|a coding workshop for beginners|our spring menu|a photography walk|a board game night|"
    "a poetry reading|a food truck festival"
)
BUSINESSES = _p(
    "coffee shop|bakery|bookstore|dog grooming business|bike repair shop|yoga studio|food truck|"
    "plant nursery|tutoring service|web design agency|"
    "ice cream shop|pet sitting service|cleaning company|flower shop|vegan restaurant|barber shop|"
    "craft brewery|toy store|photography studio|moving company|bike rental shop|tea house|vintage clothing store|"
    "music school|climbing gym|catering business|pizza place|hardware store|escape room|candle shop|"
    "language school|car wash|bookbinding studio|pottery studio|daycare center"
)
DISHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pancakes", ("flour", "eggs", "milk")),
    ("tomato soup", ("tomatoes", "onion", "garlic")),
    ("fried rice", ("rice", "eggs", "soy sauce")),
    ("banana bread", ("bananas", "flour", "butter")),
    ("guacamole", ("avocados", "lime", "onion")),
    ("chili", ("beans", "tomatoes", "chili powder")),
    ("an omelette", ("eggs", "butter", "cheese")),
    ("pasta with pesto", ("pasta", "basil", "pine nuts")),
    ("vegetable curry", ("potatoes", "coconut milk", "curry paste")),
    ("lemon chicken", ("chicken", "lemons", "garlic")),
    ("a Greek salad", ("cucumbers", "tomatoes", "feta")),
    ("mushroom risotto", ("rice", "mushrooms", "parmesan")),
    ("beef tacos", ("ground beef", "tortillas", "cheese")),
    ("chocolate chip cookies", ("flour", "butter", "chocolate chips")),
    ("lentil soup", ("lentils", "carrots", "onion")),
    ("shakshuka", ("eggs", "tomatoes", "peppers")),
    ("a stir-fry", ("noodles", "broccoli", "soy sauce")),
    ("apple pie", ("apples", "flour", "butter")),
    ("roast potatoes", ("potatoes", "olive oil", "rosemary")),
    ("French toast", ("bread", "eggs", "milk")),
    ("a tuna salad sandwich", ("tuna", "mayonnaise", "bread")),
    ("hummus", ("chickpeas", "tahini", "lemon")),
    ("spaghetti carbonara", ("spaghetti", "eggs", "bacon")),
    ("a fruit smoothie", ("bananas", "berries", "yogurt")),
    ("mac and cheese", ("macaroni", "cheddar", "milk")),
    ("a veggie omelette", ("eggs", "spinach", "peppers")),
    ("blueberry muffins", ("flour", "blueberries", "sugar")),
    ("chicken noodle soup", ("chicken", "noodles", "celery")),
    ("a caprese salad", ("tomatoes", "mozzarella", "basil")),
)
EMAIL_DOMAINS = _w("example.com mailbox.org inbox.net postbox.io webmail.co fastmail.test")
STREET_NAMES = _w("Maple Oak Pine Cedar Elm Birch Willow Harbor Hill Lake Park River Church Mill Station")
STREET_KINDS = _w("Street Avenue Road Lane Drive Boulevard Court Way")
TYPO_WORDS = _p("teh|thier|recieve|definately|seperate|occured|untill|wich|becuase|tommorow")

# Prompt framing and richer prompt slots (used by prompts.py only).
EXTRA_CAPITALS: tuple[tuple[str, str], ...] = (
    ("Iceland", "Reykjavik"),
    ("Estonia", "Tallinn"),
    ("Latvia", "Riga"),
    ("Lithuania", "Vilnius"),
    ("the Czech Republic", "Prague"),
    ("Slovakia", "Bratislava"),
    ("Slovenia", "Ljubljana"),
    ("Croatia", "Zagreb"),
    ("Serbia", "Belgrade"),
    ("Romania", "Bucharest"),
    ("Bulgaria", "Sofia"),
    ("Ukraine", "Kyiv"),
    ("Georgia", "Tbilisi"),
    ("Armenia", "Yerevan"),
    ("Israel", "Jerusalem"),
    ("Jordan", "Amman"),
    ("Lebanon", "Beirut"),
    ("Saudi Arabia", "Riyadh"),
    ("Iran", "Tehran"),
    ("Iraq", "Baghdad"),
    ("Pakistan", "Islamabad"),
    ("Bangladesh", "Dhaka"),
    ("Nepal", "Kathmandu"),
    ("Sri Lanka", "Colombo"),
    ("Indonesia", "Jakarta"),
    ("Malaysia", "Kuala Lumpur"),
    ("the Philippines", "Manila"),
    ("Mongolia", "Ulaanbaatar"),
    ("Cambodia", "Phnom Penh"),
    ("Laos", "Vientiane"),
    ("Ethiopia", "Addis Ababa"),
    ("Ghana", "Accra"),
    ("Senegal", "Dakar"),
    ("Tanzania", "Dodoma"),
    ("Uganda", "Kampala"),
    ("Zimbabwe", "Harare"),
    ("Zambia", "Lusaka"),
    ("Tunisia", "Tunis"),
    ("Algeria", "Algiers"),
    ("Cuba", "Havana"),
    ("Jamaica", "Kingston"),
    ("Colombia", "Bogotá"),
    ("Venezuela", "Caracas"),
    ("Ecuador", "Quito"),
    ("Uruguay", "Montevideo"),
    ("Paraguay", "Asunción"),
    ("Costa Rica", "San José"),
    ("Panama", "Panama City"),
    ("Guatemala", "Guatemala City"),
    ("Luxembourg", "Luxembourg"),
    ("Malta", "Valletta"),
    ("Cyprus", "Nicosia"),
    ("Albania", "Tirana"),
    ("Fiji", "Suva"),
    ("Qatar", "Doha"),
)
GREETINGS = _p(
    "Hi!|Hello!|Hey!|Hi there.|Hey there!|Good morning!|Good afternoon.|Good evening!|Hello again.|Hiya!|"
    "Hi, hope you're well.|Hello, I hope you are doing well.|Hey, quick one.|Greetings!|Morning!|Hi again!|"
    "Hello there!|Hey hey!|Hi, hope your day is going well.|Hello friend!"
)
OCCUPATIONS = _p(
    "nurse|teacher|software developer|student|retired engineer|small business owner|graphic designer|"
    "accountant|librarian|chef|bus driver|pharmacist|marketing manager|data analyst|high school teacher|"
    "college student|stay-at-home parent|freelance writer|electrician|architect|barista|social worker|dentist|"
    "paramedic|project manager|real estate agent|photographer|veterinarian|lawyer|translator|carpenter|"
    "firefighter|musician|plumber|research assistant|HR manager|sales representative|mechanic|"
    "yoga instructor|personal trainer|farmer|pilot|flight attendant|museum guide|web developer|"
    "customer service agent|office manager|retired teacher|graduate student|PhD student|bookkeeper|tailor|"
    "florist|journalist|copywriter|game designer|physical therapist|hotel receptionist|school counselor|baker"
)
RELATIVES = _p(
    "daughter|son|niece|nephew|grandmother|grandfather|mom|dad|sister|brother|wife|husband|partner|best friend|"
    "roommate|coworker|boss|neighbor|cousin|aunt|uncle|grandson|granddaughter|teenage son|little brother|"
    "little sister|stepdad|stepmom|godson|goddaughter"
)
PURPOSES = _p(
    "a school project|my small business|our team newsletter|a class I teach|my personal blog|a birthday card|"
    "a work presentation|our club's website|a community newsletter|my portfolio|a podcast episode|"
    "a church bulletin|a family group chat|my English homework|a job application|our office party|"
    "a LinkedIn post|a school assembly|a book club meeting|a youth group|my online shop|a nonprofit flyer|"
    "a local radio show|a scout meeting|a parent newsletter|my Etsy shop|a staff meeting|a wedding slideshow|"
    "a library display|a training workshop"
)
DEADLINES = _p(
    "today|tonight|this morning|this afternoon|this week|before Friday|by tomorrow|before the weekend|"
    "by Monday|in an hour|before my meeting|by the end of the day|before lunch|by next week"
)
TONES = _p(
    "friendly|warm|professional|playful|upbeat|calm|cheerful|formal|casual|confident|gentle|enthusiastic|"
    "heartfelt|lighthearted|polite|sincere|encouraging|witty"
)
AUDIENCES = _p(
    "busy parents|college students|small business owners|first-time buyers|outdoor lovers|home cooks|"
    "remote workers|seniors|new homeowners|pet owners|travelers|gamers|teachers|runners|artists|commuters|"
    "families with young kids|beginners|tech fans|book lovers|gardeners|nurses|musicians|students on a budget|"
    "weekend hikers"
)
STORY_PLACES = _p(
    "a quiet forest|a busy city|a small village|the edge of a lake|a snowy mountain|an old farm|a sunny beach|"
    "a big zoo|a hidden valley|a tiny island|a noisy harbor|a desert oasis|a rainy town|a flower meadow|"
    "a deep jungle|a library basement|a lighthouse|a windy hill|a castle garden|a river bank|"
    "a school playground|a bakery attic|an apple orchard|a train station|a mountain cabin|a coral reef|"
    "a pumpkin patch|a frozen pond|a circus tent|a city park"
)
STORY_ADJS = _p(
    "little|shy|clumsy|brave|curious|grumpy|tiny|old|lazy|cheerful|stubborn|nervous|clever|sleepy|young|silly|"
    "gentle|proud|lonely|bold"
)
POEM_MOODS = _p(
    "hopeful|melancholy|joyful|peaceful|nostalgic|playful|wistful|tender|bittersweet|uplifting|quiet|dreamy|"
    "grateful|lonely|calm|warm"
)
EMAIL_REASONS = _p(
    "I have been sick this week|my car broke down|my family is visiting|I am moving next month|"
    "the heating stopped working|I have a medical appointment|my child is starting school|I was charged twice|"
    "the package arrived damaged|I am traveling for work|the deadline overlaps with my exams|"
    "I missed the last meeting|my schedule changed|I want to plan ahead|the first one was lost in the mail|"
    "the noise has been keeping me awake|I started a new job|I need it for a visa application|"
    "our team is short-staffed|I am applying for a new position"
)
PRODUCT_ADJS = _p(
    "lightweight|durable|compact|affordable|premium|eco-friendly|foldable|waterproof|handmade|minimalist|"
    "stylish|quiet|energy-efficient|portable|rechargeable|ergonomic|smart|heavy-duty|vintage-style|colorful|"
    "wireless|modular|travel-size|family-size|budget-friendly"
)
PRODUCT_FEATURES = _p(
    "a two-year warranty|free shipping|a lifetime guarantee|recycled materials|a matte black finish|"
    "a choice of five colors|a carrying case|a quick-start guide|a 30-day return policy|a built-in timer|"
    "a soft-touch grip|a washable cover|USB-C charging|a long-lasting battery|a non-slip base|"
    "a stainless steel body|a one-touch button|a compact storage bag|an easy-clean surface|a modern design|"
    "adjustable settings|a quiet motor|a spare filter|a gift box|a free mobile app"
)
SPEECHES: tuple[tuple[str, str], ...] = (
    ("wedding toast", "Please raise your glasses to {name} and a lifetime of happiness."),
    ("retirement speech", "Please join me in wishing {name} a long and happy retirement."),
    ("birthday toast", "Please raise your glasses and wish {name} a very happy birthday."),
    ("graduation speech", "Congratulations, {name}; we are all so proud of you."),
    ("farewell speech", "We will miss you, {name}, and we wish you the very best."),
    ("anniversary toast", "Here's to {name} and many more happy years together."),
    ("welcome speech", "Please join me in giving {name} a warm welcome."),
    ("thank-you speech", "From all of us, thank you, {name}."),
    ("award introduction", "Please join me in congratulating {name} on this well-deserved award."),
)
TRAITS = _p(
    "always makes everyone laugh|never misses a deadline|bakes the best bread in town|has run ten marathons|"
    "taught me to ride a bike|is the kindest person I know|can fix anything with duct tape|"
    "has a terrible sense of direction|loves bad puns|started our book club|volunteers every weekend|"
    "has traveled to thirty countries|grows enormous tomatoes|knows every song from the eighties|"
    "makes the best coffee in the office|has been my friend since kindergarten|never forgets a birthday|"
    "plays the guitar at every party|can talk to anyone|once got lost in a supermarket for two hours"
)
HOBBIES = _p(
    "hiking|baking bread|playing chess|birdwatching|painting|running|gardening|photography|reading mysteries|"
    "cycling|cooking Thai food|playing the guitar|knitting|rock climbing|swimming|traveling|writing poetry|"
    "volunteering|fishing|camping|board games|woodworking|yoga|salsa dancing|sailing|pottery|learning languages|"
    "trail running|collecting vinyl records|astronomy"
)
GIFT_IDEAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hiking", ("a lightweight daypack", "a trail guide book", "wool hiking socks", "a headlamp", "a water filter")),
    ("cooking", ("a good chef's knife", "a cookbook", "a cast iron pan", "a spice set", "a cooking class")),
    ("reading", ("a gift card for a bookstore", "a reading light", "a novel by a new author", "a bookmark set",
                 "a cozy blanket")),
    ("gardening", ("a pair of gardening gloves", "a set of seeds", "a pruning tool", "a kneeling pad",
                   "a watering can")),
    ("music", ("concert tickets", "a pair of good headphones", "a vinyl record", "a music lesson",
               "a songbook")),
    ("coffee", ("a bag of fresh beans", "a pour-over kit", "a hand grinder", "a travel mug", "a coffee subscription")),
    ("photography", ("a camera strap", "a small tripod", "a photo book", "a lens cleaning kit", "a photo walk tour")),
    ("yoga", ("a yoga mat", "a set of yoga blocks", "a class pass", "a water bottle", "a meditation cushion")),
    ("board games", ("a new strategy game", "a card game", "a puzzle", "a dice set", "a game night snack box")),
    ("painting", ("a set of brushes", "a sketchbook", "watercolor paints", "a small easel", "an art class")),
    ("running", ("running socks", "a running belt", "a race entry", "a foam roller", "a reflective vest")),
    ("traveling", ("a packing cube set", "a travel journal", "a neck pillow", "a universal adapter",
                   "a guidebook")),
    ("tea", ("a loose-leaf tea sampler", "a teapot", "a tea infuser", "a set of mugs", "honey from a local farm")),
    ("camping", ("a camping lantern", "a camp mug", "a folding chair", "a pocket knife", "a hammock")),
    ("baking", ("a stand mixer attachment", "a baking book", "a set of cake pans", "a kitchen scale",
                "a silicone baking mat")),
)
TRIP_INTERESTS = _p(
    "museums|street food|architecture|hiking|live music|art galleries|history|markets|coffee shops|parks|"
    "nightlife|bookshops|photography|local beer|vintage shopping|boat trips|cycling|gardens|"
    "old churches|modern design"
)
IDEA_THINGS: tuple[tuple[str, str], ...] = (
    ("a science fair project", "science"),
    ("a weekend trip", "travel"),
    ("a dinner party menu", "cooking"),
    ("a school fundraiser", "education"),
    ("a new mobile app", "technology"),
    ("a history lesson", "history"),
    ("a nature walk with kids", "nature"),
    ("a team sports day", "sports"),
    ("a personal budget", "finance"),
    ("a healthy morning routine", "health"),
    ("a small music festival", "music"),
    ("a town hall meeting", "politics"),
    ("a classroom experiment", "science"),
    ("a picnic menu", "cooking"),
    ("a museum visit", "history"),
    ("a hackathon project", "technology"),
    ("a road trip", "travel"),
    ("a savings challenge", "finance"),
    ("an office wellness week", "health"),
    ("a school concert", "music"),
    ("a local election debate", "politics"),
    ("a community garden", "nature"),
    ("a study group", "education"),
    ("a charity football match", "sports"),
    ("a family game night", "education"),
    ("a bake sale", "cooking"),
)
