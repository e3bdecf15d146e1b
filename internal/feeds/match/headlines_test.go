package match

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// headline is a news item and what the matcher should find in it.
type headline struct {
	title, summary string
	native         []string
	groups         []GroupHit
	tickers        []TickerHit
}

// headlines are written in the style of the sources monitord reads: Google
// News titles with " - Publisher", wire releases with "(NYSE: MP)", EDGAR
// filings, Yahoo items with relatedTickers, and false friends.
func headlines() []headline {
	const (
		re, cm, pol = "rare_earth", "critical_minerals", "policy"
	)
	return []headline{
		// Company news, by alias and exchange form.
		{title: "MP Materials to build second magnet plant in Texas - Reuters",
			groups: []GroupHit{g(re, "magnet plant")}, tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "MP Materials Reports Second Quarter 2026 Results (NYSE: MP)",
			tickers: []TickerHit{tk("MP", HowExchange)}},
		{title: "Pentagon takes stake in MP Materials, sets NdPr price floor",
			groups:  []GroupHit{g(pol, "Pentagon", "price floor"), g(re, "NdPr")},
			tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "MP Materials stock soars after Apple deal for recycled rare earth magnets - CNBC",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "Apple to buy $500 million of magnets from MP Materials - The Verge",
			tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "MP Materials' Mountain Pass mine hits record output",
			tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "(NYSE:MP) shares slip in early trade", tickers: []TickerHit{tk("MP", HowExchange)}},
		{title: "Is $MP a buy after the DoD deal?", tickers: []TickerHit{tk("MP", HowCashtag)}},
		{title: "MP Materials (NYSE: MP) — $MP trending", tickers: []TickerHit{tk("MP", HowCashtag)}},
		{title: "Nasdaq: MP Materials among top gainers", tickers: []TickerHit{tk("MP", HowExchange)}},
		{title: "GM signs magnet supply agreement with MP Materials",
			groups:  []GroupHit{g("magnet_deal", "magnet", "agreement")},
			tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "Lithium Americas secures DOE loan for Thacker Pass (NYSE: LAC) (TSX: LAC)",
			groups: []GroupHit{g(cm, "lithium")}, tickers: []TickerHit{tk("LAC", HowExchange)}},
		{title: "Lithium Americas Corp. begins construction at Thacker Pass - Mining.com",
			groups: []GroupHit{g(cm, "lithium")}, tickers: []TickerHit{tk("LAC", HowAlias)}},
		{title: "NioCorp Developments Announces Closing of Financing (Nasdaq: NB)",
			tickers: []TickerHit{tk("NB", HowExchange)}},
		{title: "NioCorp adds scandium to Elk Creek plan",
			groups: []GroupHit{g(cm, "scandium")}, tickers: []TickerHit{tk("NB", HowAlias)}},
		{title: "Niobium producer NioCorp signs offtake with Stellantis",
			groups:  []GroupHit{g(cm, "niobium"), g(pol, "offtake")},
			tickers: []TickerHit{tk("NB", HowAlias)}},
		{title: "Lynas Rare Earths (ASX: LYC) opens Texas processing plant",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("LYSCF", HowAlias)}},
		{title: "Lynas says Malaysian plant resumes; LYC shares up on ASX",
			tickers: []TickerHit{tk("LYSCF", HowAlias)}},
		{title: "USA Rare Earth (Nasdaq: USAR) starts magnet production in Stillwater",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("USAR", HowExchange)}},
		{title: "Energy Fuels ships first dysprosium oxide from White Mesa (NYSE American: UUUU)",
			groups: []GroupHit{g(re, "dysprosium")}, tickers: []TickerHit{tk("UUUU", HowExchange)}},
		{title: "$UUUU up 12% premarket on rare earth separation news",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("UUUU", HowCashtag)}},
		{title: "Trilogy Metals (NYSE American: TMQ) jumps after U.S. government takes 10% stake",
			tickers: []TickerHit{tk("TMQ", HowExchange)}},
		{title: "Trilogy Metals’ Arctic project wins approval; antimony next?",
			groups: []GroupHit{g(cm, "antimony")}, tickers: []TickerHit{tk("TMQ", HowAlias)}},
		{title: "Trilogy Metals listing update (TSX: TMQ; NYSE American: TMQ)",
			tickers: []TickerHit{tk("TMQ", HowExchange)}},
		{title: "Critical Metals Corp. (Nasdaq: CRML) Announces Tanbreez Drilling Results",
			tickers: []TickerHit{tk("CRML", HowExchange)}},
		{title: "NASDAQ:CRML surges 40% on Greenland rare earths deal",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("CRML", HowExchange)}},
		{title: "Critical Metals Corp's Tanbreez project gets EU backing",
			tickers: []TickerHit{tk("CRML", HowAlias)}},
		{title: "CRITICAL METALS CORP. ANNOUNCES $50 MILLION PRIVATE PLACEMENT",
			tickers: []TickerHit{tk("CRML", HowAlias)}},
		{title: "Ucore Rare Metals (TSXV: UCU) (OTCQX: UURAF) receives DoD award for Louisiana plant",
			tickers: []TickerHit{tk("UURAF", HowExchange)}},
		{title: "Ucore to supply samarium to US defense contractors",
			groups: []GroupHit{g(re, "samarium")}, tickers: []TickerHit{tk("UURAF", HowAlias)}},

		// Sector and policy news.
		{title: "China suspends exports of gallium, germanium and antimony to the US - Financial Times",
			groups: []GroupHit{g(cm, "gallium", "germanium", "antimony")}},
		{title: "China adds seven heavy rare earths to export control list",
			groups: []GroupHit{g(pol, "export controls"), g(re, "rare earth", "heavy rare earth")}},
		{title: "Pentagon invokes Defense Production Act for rare-earth magnets",
			groups: []GroupHit{g(pol, "Defense Production Act", "Pentagon"), g(re, "rare earth")}},
		{title: "Neodymium prices hit two-year high in Shanghai", groups: []GroupHit{g(re, "neodymium")}},
		{title: "NEODYMIUM–PRASEODYMIUM OXIDE (NdPr) SPOT PRICE: WEEKLY UPDATE",
			groups: []GroupHit{g(re, "neodymium", "praseodymium", "NdPr")}},
		{title: "Terbium and dysprosium supply squeeze deepens",
			groups: []GroupHit{g(re, "dysprosium", "terbium")}},
		{title: "Permanent-magnet makers brace for supply shock", groups: []GroupHit{g(re, "permanent magnet")}},
		{title: "What the new Section 232 probe means for uranium miners",
			groups: []GroupHit{g(cm, "uranium"), g(pol, "Section 232")}},
		{title: "Cobalt, graphite and vanadium: the overlooked critical minerals",
			groups: []GroupHit{g(cm, "critical minerals", "vanadium", "graphite", "cobalt")}},
		{title: "U.S. to build strategic stockpile of every critical mineral",
			groups: []GroupHit{g(cm, "critical minerals"), g(pol, "stockpile")}},
		{title: "Myanmar conflict threatens heavy rare-earth supply to China",
			groups: []GroupHit{g(re, "rare earth", "heavy rare earth")}},
		{title: "Light rare earth prices steady as demand cools",
			groups: []GroupHit{g(re, "rare earth", "light rare earth")}},
		{title: "Rare earths: China’s grip loosens — Bloomberg", groups: []GroupHit{g(re, "rare earth")}},
		{title: "Rare earth magnets: Vulcan Elements signs offtake with US Department of Defense",
			groups: []GroupHit{g(pol, "Department of Defense", "offtake"), g(re, "rare earth")}},
		{title: "China imposes export ban on rare earth processing technology",
			groups: []GroupHit{g("china_ban", "China", "export ban"), g(pol, "export ban"), g(re, "rare earth")}},
		{title: "China lifts export ban on gallium to US",
			groups: []GroupHit{g(cm, "gallium"), g(pol, "export ban")}},
		{title: "Export ban on antimony hits Western buyers",
			groups: []GroupHit{g(cm, "antimony"), g(pol, "export ban")}},
		{title: "All-in on lithium? Albemarle’s CEO says prices have bottomed",
			groups: []GroupHit{g(cm, "lithium")}},

		// Folding: Unicode, HTML leftovers, summaries.
		{title: "Ｒａｒｅ ｅａｒｔｈ stocks soar in Tokyo", groups: []GroupHit{g(re, "rare earth")}},
		{title: "Rare\u00a0earth tariffs loom", groups: []GroupHit{g(pol, "tariff"), g(re, "rare earth")}},
		{title: "Rare earth’s role in EV motors, explained", groups: []GroupHit{g(re, "rare earth")}},
		{title: "Séparation des lanthanides : Solvay étend son usine de La Rochelle",
			groups: []GroupHit{g(re, "lanthanide")}},
		{title: "<b>MP Materials</b> &amp; Apple expand rare&amp;nbsp;earth recycling",
			groups: []GroupHit{g(re, "rare earth")}, tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "Mining stocks move higher",
			summary: "MP Materials and Energy Fuels led gains as rare earth prices rose.",
			groups:  []GroupHit{g(re, "rare earth")},
			tickers: []TickerHit{tk("MP", HowAlias), tk("UUUU", HowAlias)}},

		// Native tags: EDGAR, Yahoo relatedTickers, GlobeNewswire categories.
		{title: "8-K - Current report", summary: "Filed: 2026-08-25 AccNo: 0001385849-26-000031 Size: 310 KB",
			native: []string{"0001385849"}, tickers: []TickerHit{tk("UUUU", HowNative)}},
		{title: "8-K - MP Materials Corp. (0001801368) (Filer)",
			summary: "Item 7.01: Regulation FD Disclosure Item 9.01: Financial Statements and Exhibits",
			native:  []string{"1801368"}, tickers: []TickerHit{tk("MP", HowNative)}},
		{title: "Rare earth stocks to watch this week", native: []string{"MP", "USAR", "AAPL"},
			groups:  []GroupHit{g(re, "rare earth")},
			tickers: []TickerHit{tk("MP", HowNative), tk("USAR", HowNative)}},
		{title: "Energy Fuels Announces Q2-2026 Results", native: []string{"NYSE:UUUU", "TSX:EFR"},
			tickers: []TickerHit{tk("UUUU", HowNative)}},

		// False friends.
		{title: "UK MP calls for inquiry into rare earth supply chain", groups: []GroupHit{g(re, "rare earth")}},
		{title: "MP says rare-earth magnets should be made in Britain - BBC News",
			groups: []GroupHit{g(re, "rare earth")}},
		{title: "Deal valued at C$400M; MP votes against it"},
		{title: "Flamingos return to Lac de Guadalupe after drought"},
		{title: "LAC region eyes lithium triangle investment, says ECLAC report",
			groups: []GroupHit{g(cm, "lithium")}},
		{title: "NB: figures exclude uranium sales", groups: []GroupHit{g(cm, "uranium")}},
		{title: "Magnetic resonance imaging startup raises $40M"},
		{title: "Magnetic stripe agreement signed with card issuers"},
		{title: "Magnetic Rare Earth Frontier ETF hits record"},
		{title: "Rare Earth Frontier Fund sells stake in Lynas", tickers: []TickerHit{tk("LYSCF", HowAlias)}},
		{title: "Lithium Americas (Argentina) renames itself Lithium Argentina",
			groups: []GroupHit{g(cm, "lithium")}},
		{title: "Lithium Americas (Argentina) Corp. (TSX: LAAC) reports Cauchari-Olaroz output",
			groups: []GroupHit{g(cm, "lithium")}},
		{title: "Lithium Argentina, formerly Lithium Americas (Argentina), boosts output (TSX: LAR)",
			groups: []GroupHit{g(cm, "lithium")}},
		{title: "Critical metals stocks rally as China tightens export controls",
			groups: []GroupHit{g(pol, "export controls")}},
		{title: "Nd-Pr oxide price slips as demand cools"},
		{title: "Pentagonal tiling puzzle solved by amateur"},
		{title: "Tariffed goods pile up at ports"},
		{title: "Earth rare sightings of comet tonight"},
		{title: "NYSE: Trading halted in several names"},
		{title: "URANIUM ROYALTY CORP. (NASDAQ: UROY) buys physical uranium",
			groups: []GroupHit{g(cm, "uranium")}},
		{title: "Les terres rares : l’Europe veut réduire sa dépendance"},
	}
}

func TestHeadlines(t *testing.T) {
	m := newTestMatcher(t)
	hs := headlines()
	if len(hs) < 60 {
		t.Fatalf("got %d headlines, want at least 60", len(hs))
	}
	for _, h := range hs {
		t.Run(h.title, func(t *testing.T) {
			got := m.Match(h.title, h.summary, h.native)
			want := Result{Groups: h.groups, Tickers: h.tickers}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Result{}, "Score")); diff != "" {
				t.Errorf("Match (-want +got):\n%s", diff)
			}
		})
	}
}
