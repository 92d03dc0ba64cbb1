"""Text for the embedded corpus: random sentences from small per-language word lists.

The VAE models short-time power spectra, so the text only has to give each voice a varied,
language-appropriate stream of phonemes and some sentence intonation (statements,
questions, exclamations, clause breaks). Sentences are random word sequences from common
words of the voice's language; espeak-ng reads them with that language's rules.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LANGUAGES", "words", "make_text"]

# Common words (nouns, verbs, adjectives, adverbs, function words) per language, written as
# espeak-ng expects them (UTF-8, native script).
_WORDS: dict[str, str] = {
    "en": """
        the a and of to in is was he she it they we you that with for on at by from
        this have had not but what all were when there can said which do their time
        if will each about how up out them then many some would other into has more
        her two like him see could make than first been its who now people my made
        over did down only way find use may water long little very after words called
        just where most know get through back much before go good new write our used
        me man too any day same right look think also around another came come work
        three word must because does part even place well such here take why things
        help put years different away again off went old number great tell men say
        small every found still between name should home big give air line set own
        under read last never us left end along while might next sound below saw
        something thought both few those always looked show large often together asked
        house world going want school important until form food keep children feet
        land side without boy once animals life enough took sometimes four head above
        kind began almost live page got earth need far hand high year mother light
        parts country father let night following picture being study second eyes soon
        times story boys since white days ever paper hard near sentence better best
        across during today others sure means knew whether morning river garden window
        yellow summer winter quickly slowly beautiful quiet orange purple music
        teacher doctor village mountain ocean silver golden bright heavy gentle
    """,
    "de": """
        der die das und ist nicht ein eine zu den von mit sich des auf für im dem
        sie er es wir ihr ich du auch an als wie noch nach aber aus bei nur vor zur
        bis unter über wieder schon immer sehr hier dort heute morgen gestern jetzt
        Haus Baum Wasser Feuer Erde Himmel Sonne Mond Stern Stadt Land Straße Auto
        Zug Brot Milch Käse Apfel Blume Garten Fenster Tür Tisch Stuhl Buch Brief
        Lehrer Kinder Mutter Vater Bruder Schwester Freund Nachbar Arbeit Schule
        Zeit Jahr Woche Abend Nacht Winter Sommer Herbst Frühling Regen Schnee Wind
        Berg Fluss Meer Wald Wiese Vogel Hund Katze Pferd Fisch Musik Lied Farbe
        groß klein alt neu gut schlecht schön lang kurz hoch tief warm kalt schnell
        langsam laut leise hell dunkel freundlich ruhig wichtig einfach schwer leicht
        rot blau grün gelb weiß schwarz fröhlich müde stark glücklich
        gehen kommen sehen hören sprechen sagen machen haben sein werden können
        müssen wollen sollen laufen schreiben lesen singen spielen arbeiten wohnen
        essen trinken schlafen denken finden bringen nehmen geben fahren fliegen
        öffnen schließen lachen warten helfen kaufen kochen tragen zeigen fragen
        antworten vergessen erzählen verstehen beginnen bleiben
        vielleicht natürlich trotzdem deshalb darum wirklich bald gern oft selten
        zusammen allein zwischen neben hinter durch ohne gegen während weil dass
        ob wenn obwohl damit jeder manche viele wenige alle keiner niemand etwas
    """,
    "fr": """
        le la les un une des du de et est sont avec pour dans sur sous par sans chez
        il elle nous vous ils elles je tu on ce cette ces mon ton son notre votre leur
        qui que quoi dont où mais ou donc car ni pas plus très bien aussi encore
        toujours jamais souvent parfois déjà bientôt demain hier aujourd'hui ici là
        maison arbre eau feu terre ciel soleil lune étoile ville pays rue voiture
        train pain lait fromage pomme fleur jardin fenêtre porte table chaise livre
        lettre maître enfant mère père frère sœur ami voisin travail école temps
        année semaine soir nuit hiver été automne printemps pluie neige vent montagne
        rivière mer forêt prairie oiseau chien chat cheval poisson musique chanson
        couleur matin histoire chemin journée voyage village marché café gâteau
        grand petit vieux nouveau bon mauvais beau long court haut bas chaud froid
        rapide lent fort doux clair sombre gentil calme important simple lourd léger
        rouge bleu vert jaune blanc noir heureux fatigué joyeux tranquille
        aller venir voir entendre parler dire faire avoir être pouvoir devoir vouloir
        courir écrire lire chanter jouer travailler habiter manger boire dormir
        penser trouver apporter prendre donner conduire voler ouvrir fermer rire
        attendre aider acheter cuisiner porter montrer demander répondre oublier
        raconter comprendre commencer rester partir arriver
        peut-être naturellement pourtant alors vraiment ensemble seul entre devant
        derrière pendant parce quand comme chaque plusieurs beaucoup peu tout
        personne quelque chose rien
    """,
    "es": """
        el la los las un una unos y es son con para en sobre bajo por sin entre
        él ella nosotros vosotros ellos ellas yo tú usted este esta estos mi tu su
        nuestro que quien donde cuando como pero o pues ni no más muy bien también
        todavía siempre nunca a veces ya pronto mañana ayer hoy aquí allí ahora
        casa árbol agua fuego tierra cielo sol luna estrella ciudad país calle coche
        tren pan leche queso manzana flor jardín ventana puerta mesa silla libro
        carta maestro niño madre padre hermano hermana amigo vecino trabajo escuela
        tiempo año semana tarde noche invierno verano otoño primavera lluvia nieve
        viento montaña río mar bosque campo pájaro perro gato caballo pescado música
        canción color historia camino viaje pueblo mercado café
        grande pequeño viejo nuevo bueno malo bonito largo corto alto bajo caliente
        frío rápido lento fuerte suave claro oscuro amable tranquilo importante
        sencillo pesado ligero rojo azul verde amarillo blanco negro feliz cansado
        alegre hermoso
        ir venir ver oír hablar decir hacer tener ser estar poder deber querer
        correr escribir leer cantar jugar trabajar vivir comer beber dormir pensar
        encontrar traer tomar dar conducir volar abrir cerrar reír esperar ayudar
        comprar cocinar llevar mostrar preguntar responder olvidar contar entender
        empezar quedarse salir llegar
        quizás naturalmente entonces realmente juntos solo delante detrás durante
        porque cada varios mucho poco todo nadie algo nada
    """,
    "it": """
        il lo la i gli le un una e è sono con per in su sotto da senza tra fra
        lui lei noi voi loro io tu questo questa quello mio tuo suo nostro vostro
        che chi dove quando come ma o perché né non più molto bene anche ancora
        sempre mai spesso già presto domani ieri oggi qui là adesso
        casa albero acqua fuoco terra cielo sole luna stella città paese strada
        macchina treno pane latte formaggio mela fiore giardino finestra porta
        tavolo sedia libro lettera maestro bambino madre padre fratello sorella
        amico vicino lavoro scuola tempo anno settimana sera notte inverno estate
        autunno primavera pioggia neve vento montagna fiume mare bosco prato uccello
        cane gatto cavallo pesce musica canzone colore storia strada viaggio paese
        mercato caffè piazza chiesa
        grande piccolo vecchio nuovo buono cattivo bello lungo corto alto basso caldo
        freddo veloce lento forte dolce chiaro scuro gentile tranquillo importante
        semplice pesante leggero rosso azzurro verde giallo bianco nero felice
        stanco allegro
        andare venire vedere sentire parlare dire fare avere essere potere dovere
        volere correre scrivere leggere cantare giocare lavorare abitare mangiare
        bere dormire pensare trovare portare prendere dare guidare volare aprire
        chiudere ridere aspettare aiutare comprare cucinare mostrare chiedere
        rispondere dimenticare raccontare capire cominciare restare partire arrivare
        forse naturalmente allora davvero insieme solo davanti dietro durante
        ogni alcuni molti pochi tutto nessuno qualcosa niente
    """,
    "pt": """
        o a os as um uma e é são com para em sobre sob por sem entre ele ela nós
        vocês eles elas eu tu você este esta isso meu teu seu nosso que quem onde
        quando como mas ou porque nem não mais muito bem também ainda sempre nunca
        às vezes já logo amanhã ontem hoje aqui ali agora
        casa árvore água fogo terra céu sol lua estrela cidade país rua carro trem
        pão leite queijo maçã flor jardim janela porta mesa cadeira livro carta
        professor criança mãe pai irmão irmã amigo vizinho trabalho escola tempo
        ano semana tarde noite inverno verão outono primavera chuva neve vento
        montanha rio mar floresta campo pássaro cachorro gato cavalo peixe música
        canção cor história caminho viagem aldeia mercado café praia
        grande pequeno velho novo bom mau bonito longo curto alto baixo quente frio
        rápido lento forte suave claro escuro gentil calmo importante simples pesado
        leve vermelho azul verde amarelo branco preto feliz cansado alegre
        ir vir ver ouvir falar dizer fazer ter ser estar poder dever querer correr
        escrever ler cantar jogar trabalhar morar comer beber dormir pensar
        encontrar trazer tomar dar dirigir voar abrir fechar rir esperar ajudar
        comprar cozinhar levar mostrar perguntar responder esquecer contar entender
        começar ficar sair chegar
        talvez naturalmente então realmente juntos sozinho diante atrás durante
        cada vários pouco tudo ninguém algo nada
    """,
    "nl": """
        de het een en is zijn met voor in op onder door zonder tussen bij naar
        hij zij wij jullie ik jij u dit dat deze mijn jouw zijn haar ons onze wie
        waar wanneer hoe maar of want niet geen meer heel goed ook nog altijd nooit
        vaak al snel morgen gisteren vandaag hier daar nu
        huis boom water vuur aarde hemel zon maan ster stad land straat auto trein
        brood melk kaas appel bloem tuin raam deur tafel stoel boek brief leraar
        kind moeder vader broer zus vriend buurman werk school tijd jaar week avond
        nacht winter zomer herfst lente regen sneeuw wind berg rivier zee bos weide
        vogel hond kat paard vis muziek lied kleur verhaal weg reis dorp markt
        koffie fiets
        groot klein oud nieuw goed slecht mooi lang kort hoog laag warm koud snel
        langzaam sterk zacht licht donker vriendelijk rustig belangrijk eenvoudig
        zwaar rood blauw groen geel wit zwart blij moe vrolijk
        gaan komen zien horen spreken zeggen maken hebben worden kunnen moeten
        willen lopen schrijven lezen zingen spelen werken wonen eten drinken slapen
        denken vinden brengen nemen geven rijden vliegen openen sluiten lachen
        wachten helpen kopen koken dragen tonen vragen antwoorden vergeten vertellen
        begrijpen beginnen blijven vertrekken aankomen
        misschien natuurlijk toch daarom echt samen alleen voor achter tijdens
        omdat elke veel weinig alles niemand iets niets
    """,
    "sv": """
        en ett och är var med för i på under av utan mellan hos till från han hon
        vi ni de jag du den det denna min din hans hennes vår vem var när hur men
        eller inte mer mycket bra också ännu alltid aldrig ofta redan snart imorgon
        igår idag här där nu
        hus träd vatten eld jord himmel sol måne stjärna stad land gata bil tåg
        bröd mjölk ost äpple blomma trädgård fönster dörr bord stol bok brev lärare
        barn mamma pappa bror syster vän granne arbete skola tid år vecka kväll natt
        vinter sommar höst vår regn snö vind berg flod hav skog äng fågel hund katt
        häst fisk musik sång färg historia väg resa by marknad kaffe
        stor liten gammal ny god dålig vacker lång kort hög låg varm kall snabb
        långsam stark mjuk ljus mörk vänlig lugn viktig enkel tung lätt röd blå
        grön gul vit svart glad trött
        gå komma se höra tala säga göra ha vara bli kunna måste vilja springa
        skriva läsa sjunga spela arbeta bo äta dricka sova tänka hitta bringa ta
        ge köra flyga öppna stänga skratta vänta hjälpa köpa laga bära visa fråga
        svara glömma berätta förstå börja stanna resa komma
        kanske naturligtvis ändå därför verkligen tillsammans ensam framför bakom
        under eftersom varje många få allt ingen något inget
    """,
    "pl": """
        i w na z do nie jest są to ten ta te mój twój jego jej nasz wasz ich on ona
        my wy oni ja ty kto co gdzie kiedy jak ale lub albo bo więc bardzo dobrze
        też jeszcze zawsze nigdy często już wkrótce jutro wczoraj dzisiaj tutaj tam
        teraz
        dom drzewo woda ogień ziemia niebo słońce księżyc gwiazda miasto kraj ulica
        samochód pociąg chleb mleko ser jabłko kwiat ogród okno drzwi stół krzesło
        książka list nauczyciel dziecko matka ojciec brat siostra przyjaciel sąsiad
        praca szkoła czas rok tydzień wieczór noc zima lato jesień wiosna deszcz
        śnieg wiatr góra rzeka morze las łąka ptak pies kot koń ryba muzyka piosenka
        kolor historia droga podróż wieś rynek kawa
        duży mały stary nowy dobry zły piękny długi krótki wysoki niski ciepły zimny
        szybki wolny silny miękki jasny ciemny miły spokojny ważny prosty ciężki
        lekki czerwony niebieski zielony żółty biały czarny szczęśliwy zmęczony
        iść przyjść widzieć słyszeć mówić robić mieć być móc musieć chcieć biegać
        pisać czytać śpiewać grać pracować mieszkać jeść pić spać myśleć znaleźć
        przynieść brać dawać jechać latać otworzyć zamknąć śmiać czekać pomagać
        kupować gotować nosić pokazać pytać odpowiadać zapomnieć opowiadać rozumieć
        zaczynać zostać wyjść
        może oczywiście jednak dlatego naprawdę razem sam przed za podczas ponieważ
        każdy wiele mało wszystko nikt coś nic
    """,
    "cs": """
        a v na s do ne je jsou to ten ta ty můj tvůj jeho její náš váš jejich on ona
        my vy oni já ty kdo co kde kdy jak ale nebo protože tak velmi dobře také
        ještě vždy nikdy často už brzy zítra včera dnes tady tam teď
        dům strom voda oheň země nebe slunce měsíc hvězda město země ulice auto vlak
        chléb mléko sýr jablko květina zahrada okno dveře stůl židle kniha dopis
        učitel dítě matka otec bratr sestra přítel soused práce škola čas rok týden
        večer noc zima léto podzim jaro déšť sníh vítr hora řeka moře les louka pták
        pes kočka kůň ryba hudba píseň barva příběh cesta výlet vesnice trh káva
        velký malý starý nový dobrý špatný krásný dlouhý krátký vysoký nízký teplý
        studený rychlý pomalý silný měkký světlý tmavý milý klidný důležitý
        jednoduchý těžký lehký červený modrý zelený žlutý bílý černý šťastný unavený
        jít přijít vidět slyšet mluvit říkat dělat mít být moci muset chtít běžet
        psát číst zpívat hrát pracovat bydlet jíst pít spát myslet najít přinést
        brát dávat jet létat otevřít zavřít smát čekat pomáhat kupovat vařit nosit
        ukázat ptát odpovídat zapomenout vyprávět rozumět začínat zůstat odejít
        možná samozřejmě přesto proto opravdu spolu sám před za během každý mnoho
        málo všechno nikdo něco nic
    """,
    "hu": """
        a az egy és van vannak nem is de vagy mert hogy ha amikor ahol hogyan én te
        ő mi ti ők ez az itt ott most ma holnap tegnap mindig soha gyakran már hamar
        nagyon jól még csak együtt egyedül
        ház fa víz tűz föld ég nap hold csillag város ország utca autó vonat kenyér
        tej sajt alma virág kert ablak ajtó asztal szék könyv levél tanár gyerek
        anya apa testvér barát szomszéd munka iskola idő év hét este éjszaka tél
        nyár ősz tavasz eső hó szél hegy folyó tenger erdő mező madár kutya macska
        ló hal zene dal szín történet út utazás falu piac kávé
        nagy kicsi régi új jó rossz szép hosszú rövid magas alacsony meleg hideg
        gyors lassú erős puha világos sötét kedves csendes fontos egyszerű nehéz
        könnyű piros kék zöld sárga fehér fekete boldog fáradt vidám
        megy jön lát hall beszél mond csinál kell akar fut ír olvas énekel játszik
        dolgozik lakik eszik iszik alszik gondol talál hoz vesz ad vezet repül nyit
        zár nevet vár segít vásárol főz visz mutat kérdez válaszol elfelejt mesél
        ért kezd marad indul érkezik
        talán természetesen mégis ezért tényleg előtt mögött alatt közben minden
        sok kevés semmi valaki valami senki
    """,
    "ro": """
        și în pe cu la de nu este sunt un o acest această el ea noi voi ei ele eu tu
        cine ce unde când cum dar sau pentru că foarte bine și încă mereu niciodată
        des deja curând mâine ieri azi aici acolo acum
        casă copac apă foc pământ cer soare lună stea oraș țară stradă mașină tren
        pâine lapte brânză măr floare grădină fereastră ușă masă scaun carte
        scrisoare profesor copil mamă tată frate soră prieten vecin muncă școală
        timp an săptămână seară noapte iarnă vară toamnă primăvară ploaie zăpadă
        vânt munte râu mare pădure câmp pasăre câine pisică cal pește muzică cântec
        culoare poveste drum călătorie sat piață cafea
        mare mic vechi nou bun rău frumos lung scurt înalt jos cald rece repede încet
        puternic moale luminos întunecat amabil liniștit important simplu greu ușor
        roșu albastru verde galben alb negru fericit obosit vesel
        merge vine vede aude vorbește spune face are fi poate trebuie vrea aleargă
        scrie citește cântă joacă lucrează locuiește mănâncă bea doarme gândește
        găsește aduce ia dă conduce zboară deschide închide râde așteaptă ajută
        cumpără gătește poartă arată întreabă răspunde uită povestește înțelege
        începe rămâne pleacă sosește
        poate firește totuși deci într-adevăr împreună singur înainte după fiecare
        mulți puțin tot nimeni ceva nimic
    """,
    "el": """
        ο η το οι τα ένας μία ένα και είναι με για σε από χωρίς μεταξύ αυτός αυτή
        εμείς εσείς αυτοί εγώ εσύ ποιος τι πού πότε πώς αλλά ή γιατί δεν πολύ καλά
        επίσης ακόμα πάντα ποτέ συχνά ήδη σύντομα αύριο χθες σήμερα εδώ εκεί τώρα
        σπίτι δέντρο νερό φωτιά γη ουρανός ήλιος φεγγάρι αστέρι πόλη χώρα δρόμος
        αυτοκίνητο τρένο ψωμί γάλα τυρί μήλο λουλούδι κήπος παράθυρο πόρτα τραπέζι
        καρέκλα βιβλίο γράμμα δάσκαλος παιδί μητέρα πατέρας αδελφός αδελφή φίλος
        γείτονας δουλειά σχολείο χρόνος εβδομάδα βράδυ νύχτα χειμώνας καλοκαίρι
        φθινόπωρο άνοιξη βροχή χιόνι άνεμος βουνό ποτάμι θάλασσα δάσος πουλί σκύλος
        γάτα άλογο ψάρι μουσική τραγούδι χρώμα ιστορία ταξίδι χωριό αγορά καφές
        μεγάλος μικρός παλιός καινούργιος καλός κακός ωραίος μακρύς κοντός ψηλός
        ζεστός κρύος γρήγορος αργός δυνατός μαλακός φωτεινός σκοτεινός ευγενικός
        ήσυχος σημαντικός απλός βαρύς ελαφρύς κόκκινος μπλε πράσινος κίτρινος
        άσπρος μαύρος χαρούμενος κουρασμένος
        πηγαίνω έρχομαι βλέπω ακούω μιλάω λέω κάνω έχω θέλω τρέχω γράφω διαβάζω
        τραγουδάω παίζω δουλεύω μένω τρώω πίνω κοιμάμαι σκέφτομαι βρίσκω φέρνω
        παίρνω δίνω οδηγώ πετάω ανοίγω κλείνω γελάω περιμένω βοηθάω αγοράζω
        μαγειρεύω δείχνω ρωτάω απαντάω ξεχνάω καταλαβαίνω αρχίζω μένω φεύγω φτάνω
        ίσως φυσικά όμως γι' αυτό πραγματικά μαζί μόνος μπροστά πίσω κάθε πολλοί
        λίγο όλα κανείς κάτι τίποτα
    """,
    "tr": """
        ve bir bu şu o ben sen biz siz onlar ile için ama veya çünkü değil çok iyi
        de da hâlâ her zaman asla sık sık zaten yakında yarın dün bugün burada orada
        şimdi kim ne nerede ne zaman nasıl
        ev ağaç su ateş toprak gökyüzü güneş ay yıldız şehir ülke sokak araba tren
        ekmek süt peynir elma çiçek bahçe pencere kapı masa sandalye kitap mektup
        öğretmen çocuk anne baba kardeş arkadaş komşu iş okul zaman yıl hafta akşam
        gece kış yaz sonbahar ilkbahar yağmur kar rüzgâr dağ nehir deniz orman çayır
        kuş köpek kedi at balık müzik şarkı renk hikâye yol yolculuk köy pazar kahve
        büyük küçük eski yeni güzel kötü uzun kısa yüksek alçak sıcak soğuk hızlı
        yavaş güçlü yumuşak aydınlık karanlık nazik sakin önemli basit ağır hafif
        kırmızı mavi yeşil sarı beyaz siyah mutlu yorgun neşeli
        gitmek gelmek görmek duymak konuşmak söylemek yapmak olmak istemek koşmak
        yazmak okumak şarkı söylemek oynamak çalışmak oturmak yemek içmek uyumak
        düşünmek bulmak getirmek almak vermek sürmek uçmak açmak kapamak gülmek
        beklemek yardım etmek satın almak pişirmek taşımak göstermek sormak
        cevaplamak unutmak anlatmak anlamak başlamak kalmak ayrılmak varmak
        belki elbette yine de bu yüzden gerçekten birlikte yalnız önünde arkasında
        sırasında her birçok az hepsi kimse bir şey hiçbir şey
    """,
    "et": """
        ja on ei see too üks mina sina tema meie teie nemad kes mis kus millal kuidas
        aga või sest väga hästi ka veel alati mitte kunagi tihti juba varsti homme
        eile täna siin seal nüüd koos üksi
        maja puu vesi tuli maa taevas päike kuu täht linn riik tänav auto rong leib
        piim juust õun lill aed aken uks laud tool raamat kiri õpetaja laps ema isa
        vend õde sõber naaber töö kool aeg aasta nädal õhtu öö talv suvi sügis kevad
        vihm lumi tuul mägi jõgi meri mets heinamaa lind koer kass hobune kala muusika
        laul värv lugu tee reis küla turg kohv
        suur väike vana uus hea halb ilus pikk lühike kõrge madal soe külm kiire
        aeglane tugev pehme hele tume sõbralik rahulik tähtis lihtne raske kerge
        punane sinine roheline kollane valge must õnnelik väsinud rõõmus
        minema tulema nägema kuulma rääkima ütlema tegema olema tahtma jooksma
        kirjutama lugema laulma mängima töötama elama sööma jooma magama mõtlema
        leidma tooma võtma andma sõitma lendama avama sulgema naerma ootama aitama
        ostma keetma kandma näitama küsima vastama unustama jutustama mõistma
        alustama jääma lahkuma jõudma
        võib-olla muidugi siiski seepärast tõesti ees taga ajal iga palju vähe kõik
        keegi midagi mitte midagi
    """,
    "hr": """
        i u na s do ne je su to taj ta ti moj tvoj njegov njezin naš vaš njihov on
        ona mi vi oni ja ti tko što gdje kada kako ali ili jer pa vrlo dobro također
        još uvijek nikad često već uskoro sutra jučer danas ovdje tamo sada
        kuća drvo voda vatra zemlja nebo sunce mjesec zvijezda grad ulica automobil
        vlak kruh mlijeko sir jabuka cvijet vrt prozor vrata stol stolica knjiga
        pismo učitelj dijete majka otac brat sestra prijatelj susjed posao škola
        vrijeme godina tjedan večer noć zima ljeto jesen proljeće kiša snijeg vjetar
        planina rijeka more šuma livada ptica pas mačka konj riba glazba pjesma boja
        priča put putovanje selo tržnica kava
        velik malen star nov dobar loš lijep dug kratak visok nizak topao hladan
        brz spor jak mekan svijetao taman ljubazan miran važan jednostavan težak
        lagan crven plav zelen žut bijel crn sretan umoran veseo
        ići doći vidjeti čuti govoriti reći raditi imati biti moći morati htjeti
        trčati pisati čitati pjevati igrati živjeti jesti piti spavati misliti
        naći donijeti uzeti dati voziti letjeti otvoriti zatvoriti smijati čekati
        pomoći kupiti kuhati nositi pokazati pitati odgovoriti zaboraviti
        pričati razumjeti početi ostati otići stići
        možda naravno ipak zato stvarno zajedno sam ispred iza tijekom svaki mnogo
        malo sve nitko nešto ništa
    """,
    "lt": """
        ir yra ne tai tas ta mano tavo jo jos mūsų jūsų jų jis ji mes jūs jie aš tu
        kas kur kada kaip bet arba nes labai gerai taip pat dar visada niekada dažnai
        jau greitai rytoj vakar šiandien čia ten dabar kartu vienas
        namas medis vanduo ugnis žemė dangus saulė mėnulis žvaigždė miestas šalis
        gatvė automobilis traukinys duona pienas sūris obuolys gėlė sodas langas
        durys stalas kėdė knyga laiškas mokytojas vaikas motina tėvas brolis sesuo
        draugas kaimynas darbas mokykla laikas metai savaitė vakaras naktis žiema
        vasara ruduo pavasaris lietus sniegas vėjas kalnas upė jūra miškas pieva
        paukštis šuo katė arklys žuvis muzika daina spalva istorija kelias kelionė
        kaimas turgus kava
        didelis mažas senas naujas geras blogas gražus ilgas trumpas aukštas žemas
        šiltas šaltas greitas lėtas stiprus minkštas šviesus tamsus malonus ramus
        svarbus paprastas sunkus lengvas raudonas mėlynas žalias geltonas baltas
        juodas laimingas pavargęs linksmas
        eiti ateiti matyti girdėti kalbėti sakyti daryti turėti būti galėti
        norėti bėgti rašyti skaityti dainuoti žaisti dirbti gyventi valgyti gerti
        miegoti galvoti rasti atnešti imti duoti važiuoti skristi atidaryti
        uždaryti juoktis laukti padėti pirkti virti nešti rodyti klausti atsakyti
        pamiršti pasakoti suprasti pradėti likti išeiti atvykti
        galbūt žinoma tačiau todėl tikrai prieš už per kiekvienas daug mažai viskas
        niekas kažkas nieko
    """,
    "id": """
        dan di ke dari dengan untuk pada ini itu adalah tidak bukan saya kamu dia
        kami kita mereka siapa apa mana kapan bagaimana tetapi atau karena sangat
        baik juga masih selalu tidak pernah sering sudah segera besok kemarin hari
        ini sini sana sekarang bersama sendiri
        rumah pohon air api tanah langit matahari bulan bintang kota negara jalan
        mobil kereta roti susu keju apel bunga kebun jendela pintu meja kursi buku
        surat guru anak ibu ayah kakak adik teman tetangga kerja sekolah waktu tahun
        minggu sore malam musim hujan angin gunung sungai laut hutan padang burung
        anjing kucing kuda ikan musik lagu warna cerita perjalanan desa pasar kopi
        besar kecil tua baru bagus buruk cantik panjang pendek tinggi rendah panas
        dingin cepat lambat kuat lembut terang gelap ramah tenang penting mudah
        berat ringan merah biru hijau kuning putih hitam senang lelah gembira
        pergi datang melihat mendengar berbicara berkata membuat punya menjadi bisa
        harus mau berlari menulis membaca bernyanyi bermain bekerja tinggal makan
        minum tidur berpikir menemukan membawa mengambil memberi menyetir terbang
        membuka menutup tertawa menunggu membantu membeli memasak menunjukkan
        bertanya menjawab lupa bercerita mengerti mulai tetap berangkat tiba
        mungkin tentu saja namun karena itu benar-benar depan belakang selama setiap
        banyak sedikit semua tidak ada sesuatu
    """,
    "ms": """
        dan di ke dari dengan untuk pada ini itu ialah tidak bukan saya awak dia kami
        kita mereka siapa apa mana bila bagaimana tetapi atau kerana sangat baik
        juga masih selalu tidak pernah sering sudah segera esok semalam hari ini
        sini sana sekarang bersama seorang
        rumah pokok air api tanah langit matahari bulan bintang bandar negara jalan
        kereta roti susu keju epal bunga taman tingkap pintu meja kerusi buku surat
        cikgu anak emak bapa abang adik kawan jiran kerja sekolah masa tahun minggu
        petang malam musim hujan angin gunung sungai laut hutan padang burung anjing
        kucing kuda ikan muzik lagu warna cerita perjalanan kampung pasar kopi
        besar kecil tua baharu bagus buruk cantik panjang pendek tinggi rendah panas
        sejuk cepat lambat kuat lembut terang gelap ramah tenang penting mudah berat
        ringan merah biru hijau kuning putih hitam gembira penat
        pergi datang melihat mendengar bercakap berkata membuat mempunyai menjadi
        boleh mesti mahu berlari menulis membaca menyanyi bermain bekerja tinggal
        makan minum tidur berfikir menjumpai membawa mengambil memberi memandu
        terbang membuka menutup ketawa menunggu membantu membeli memasak menunjukkan
        bertanya menjawab lupa bercerita faham mula kekal bertolak tiba
        mungkin tentu sahaja namun oleh itu betul-betul hadapan belakang semasa
        setiap banyak sedikit semua sesuatu
    """,
    "af": """
        die 'n en is was met vir in op onder deur sonder tussen by na hy sy ons
        julle hulle ek jy u hierdie dit daardie my jou haar wie waar wanneer hoe
        maar of want nie meer baie goed ook nog altyd nooit dikwels reeds gou môre
        gister vandag hier daar nou saam alleen
        huis boom water vuur aarde hemel son maan ster stad land straat motor trein
        brood melk kaas appel blom tuin venster deur tafel stoel boek brief
        onderwyser kind moeder vader broer suster vriend buurman werk skool tyd
        jaar week aand nag winter somer herfs lente reën sneeu wind berg rivier see
        bos veld voël hond kat perd vis musiek lied kleur storie pad reis dorp mark
        koffie
        groot klein oud nuut goed sleg mooi lank kort hoog laag warm koud vinnig
        stadig sterk sag lig donker vriendelik rustig belangrik eenvoudig swaar
        rooi blou groen geel wit swart bly moeg vrolik
        gaan kom sien hoor praat sê maak het wees kan moet wil hardloop skryf lees
        sing speel werk woon eet drink slaap dink vind bring neem gee ry vlieg oopmaak
        toemaak lag wag help koop kook dra wys vra antwoord vergeet vertel verstaan
        begin bly vertrek aankom
        miskien natuurlik tog daarom regtig voor agter tydens omdat elke min alles
        niemand iets niks
    """,
    "is": """
        og er var með fyrir í á undir af án milli hjá til frá hann hún við þið þeir
        ég þú það þessi minn þinn hans hennar okkar hver hvar hvenær hvernig en eða
        því ekki meira mjög vel líka enn alltaf aldrei oft þegar bráðum á morgun í
        gær í dag hér þar núna saman einn
        hús tré vatn eldur jörð himinn sól tungl stjarna borg land gata bíll lest
        brauð mjólk ostur epli blóm garður gluggi hurð borð stóll bók bréf kennari
        barn móðir faðir bróðir systir vinur nágranni vinna skóli tími ár vika kvöld
        nótt vetur sumar haust vor rigning snjór vindur fjall á haf skógur engi
        fugl hundur köttur hestur fiskur tónlist lag litur saga vegur ferð þorp
        markaður kaffi
        stór lítill gamall nýr góður vondur fallegur langur stuttur hár lágur heitur
        kaldur fljótur hægur sterkur mjúkur bjartur dimmur vingjarnlegur rólegur
        mikilvægur einfaldur þungur léttur rauður blár grænn gulur hvítur svartur
        glaður þreyttur
        fara koma sjá heyra tala segja gera hafa vera geta verða vilja hlaupa skrifa
        lesa syngja leika vinna búa borða drekka sofa hugsa finna færa taka gefa
        aka fljúga opna loka hlæja bíða hjálpa kaupa elda bera sýna spyrja svara
        gleyma segja frá skilja byrja vera kyrr fara burt koma
        kannski auðvitað samt þess vegna virkilega fyrir framan fyrir aftan meðan
        hver margir fáir allt enginn eitthvað ekkert
    """,
    "la": """
        et in cum ad ab de per sine inter sub super est sunt erat non sed aut quia
        quod ego tu is ea id nos vos ei hic haec hoc ille illa quis quid ubi quando
        quomodo semper numquam saepe iam mox cras heri hodie hic ibi nunc simul solus
        domus arbor aqua ignis terra caelum sol luna stella urbs patria via currus
        panis lac caseus malum flos hortus fenestra porta mensa sella liber epistula
        magister puer puella mater pater frater soror amicus vicinus opus schola
        tempus annus vesper nox hiems aestas autumnus ver pluvia nix ventus mons
        flumen mare silva pratum avis canis feles equus piscis musica carmen color
        fabula iter vicus forum
        magnus parvus vetus novus bonus malus pulcher longus brevis altus humilis
        calidus frigidus celer lentus fortis mollis clarus obscurus benignus
        tranquillus gravis levis ruber caeruleus viridis flavus albus niger laetus
        fessus
        ire venire videre audire loqui dicere facere habere esse posse debere velle
        currere scribere legere cantare ludere laborare habitare edere bibere
        dormire cogitare invenire ferre capere dare volare aperire claudere ridere
        exspectare adiuvare emere coquere portare ostendere rogare respondere
        oblivisci narrare intellegere incipere manere discedere advenire
        fortasse certe tamen itaque vere ante post dum omnis multi pauci omnia nemo
        aliquid nihil
    """,
}

LANGUAGES: tuple[str, ...] = tuple(sorted(_WORDS))

_WORD_LISTS = {lang: tuple(text.split()) for lang, text in _WORDS.items()}

# Sentence-final punctuation and its probability: statements, questions, exclamations give
# espeak-ng's different intonation contours.
_ENDINGS = (".", "?", "!")
_ENDING_P = (0.7, 0.2, 0.1)


def words(language: str) -> tuple[str, ...]:
    """The word list of ``language`` (a key of :data:`LANGUAGES`)."""
    try:
        return _WORD_LISTS[language]
    except KeyError:
        raise KeyError(f"no word list for language {language!r}; have {', '.join(LANGUAGES)}") from None


def _capitalize(word: str) -> str:
    return word[:1].upper() + word[1:]


def make_text(language: str, n_words: int, rng: np.random.Generator) -> str:
    """``n_words`` random words of ``language`` in sentences of 3-14 words.

    Commas split some sentences into clauses; endings vary between statements, questions
    and exclamations so that the intonation varies.
    """
    vocabulary = words(language)
    n_words = max(1, int(n_words))
    sentences = []
    remaining = n_words
    while remaining > 0:
        length = min(remaining, int(rng.integers(3, 15)))
        remaining -= length
        picks = [vocabulary[i] for i in rng.integers(0, len(vocabulary), size=length)]
        for k in range(1, length - 1):
            if rng.random() < 0.1:
                picks[k] += ","
        picks[0] = _capitalize(picks[0])
        ending = _ENDINGS[int(rng.choice(len(_ENDINGS), p=_ENDING_P))]
        sentences.append(" ".join(picks) + ending)
    return " ".join(sentences)
