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
		re, cm, pol, mof = "rare_earth", "critical_minerals", "policy", "mofcom"
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

		// Aliases match as written, unless the headline is in capitals.
		{title: "Energy Fuels raises guidance", tickers: []TickerHit{tk("UUUU", HowAlias)}},
		{title: "How clean energy fuels demand for uranium", groups: []GroupHit{g(cm, "uranium")}},
		{title: "Energy fuels a rally in uranium miners", groups: []GroupHit{g(cm, "uranium")}},
		{title: "ENERGY FUELS RAISES GUIDANCE", tickers: []TickerHit{tk("UUUU", HowAlias)}},
		// Mostly capitals is capitals: Google News appends the publisher.
		{title: "ENERGY FUELS RAISES GUIDANCE - Reuters", tickers: []TickerHit{tk("UUUU", HowAlias)}},
		{title: "Why MP MATERIALS stock is soaring today"},
		{title: "Critical Metals Corp. signs offtake with Pentagon",
			groups:  []GroupHit{g(pol, "Pentagon", "offtake")},
			tickers: []TickerHit{tk("CRML", HowAlias)}},
		{title: "critical metals prices rise"},
		{title: "critical metals corp. prices rise"},
		{title: "Energy Fuels' guidance", summary: "how clean energy fuels demand",
			tickers: []TickerHit{tk("UUUU", HowAlias)}},
		{title: "Uranium miners rally", summary: "ENERGY FUELS AND UR-ENERGY LEAD GAINS",
			groups: []GroupHit{g(cm, "uranium")}, tickers: []TickerHit{tk("UUUU", HowAlias)}},
		// An alias listed in aliases_any_case matches in any case.
		{title: "ucore shares jump on samarium news",
			groups: []GroupHit{g(re, "samarium")}, tickers: []TickerHit{tk("UURAF", HowAlias)}},
		{title: "UCORE RARE METALS PRICES PRIVATE PLACEMENT", tickers: []TickerHit{tk("UURAF", HowAlias)}},
		{title: "ucore rare metals closes financing", tickers: []TickerHit{tk("UURAF", HowAlias)}},

		// Chinese, Japanese and Korean: a CJK term matches anywhere in a run
		// of CJK characters; Latin words stay whole.
		{title: "商务部公告2025年第61号 关于对稀土相关物项实施出口管制的决定",
			groups: []GroupHit{g(mof, "出口管制"), g(re, "稀土")}},
		{title: "商务部 海关总署公告2025年第18号 关于对部分中重稀土相关物项实施出口管制的决定",
			groups: []GroupHit{g(mof, "出口管制"), g(re, "稀土")}},
		{title: "商务部关于将部分美国实体列入出口管制管控名单的公告",
			groups: []GroupHit{g(mof, "出口管制", "管控名单")}},
		{title: "不可靠实体清单工作机制关于将13家美国实体列入不可靠实体清单的决定",
			groups: []GroupHit{g(mof, "不可靠实体")}},
		{title: "中华人民共和国两用物项出口管制条例", groups: []GroupHit{g(mof, "出口管制", "两用物项")}},
		{title: "中國加強稀土出口管制", groups: []GroupHit{g(mof, "出口管制"), g(re, "稀土")}},
		{title: "MP Materials 稀土 exports jump",
			groups: []GroupHit{g(re, "稀土")}, tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "MP Materials稀土产量创新高（NYSE：MP）",
			groups: []GroupHit{g(re, "稀土")}, tickers: []TickerHit{tk("MP", HowExchange)}},
		{title: "ＭＰ Ｍａｔｅｒｉａｌｓ获美国国防部订单", tickers: []TickerHit{tk("MP", HowAlias)}},
		{title: "（ＮＡＳＤＡＱ：ＣＲＭＬ）格陵兰稀土项目获批",
			groups: []GroupHit{g(re, "稀土")}, tickers: []TickerHit{tk("CRML", HowExchange)}},
		{title: "＄ＵＵＵＵ　稀土分离取得进展",
			groups: []GroupHit{g(re, "稀土")}, tickers: []TickerHit{tk("UUUU", HowCashtag)}},
		{title: "中国对gallium和germanium实施出口管制",
			groups: []GroupHit{g(cm, "gallium", "germanium"), g(mof, "出口管制")}},
		{title: "稀土NdPr氧化物价格上涨", groups: []GroupHit{g(re, "NdPr", "稀土")}},
		{title: "NdPrO价格"},
		// CJK characters of a term stay together: white space between them
		// is ignored, anything else breaks the phrase.
		{title: "稀　土价格", groups: []GroupHit{g(re, "稀土")}},
		{title: "前景依稀，土耳其央行加息"},
		{title: "稀 earth 土"},
		{title: "出口·管制"},
		{title: "中国、レアアース輸出規制を強化", groups: []GroupHit{g(re, "レアアース")}},
		{title: "ﾚｱｱｰｽ価格が急騰", groups: []GroupHit{g(re, "レアアース")}},
		{title: "ガリウム輸出規制", groups: []GroupHit{g(cm, "ガリウム")}},
		{title: "カリウム価格が上昇"}, // potassium, not gallium: kana keep their voicing marks
		{title: "중국이 희토류를 무기화", groups: []GroupHit{g(re, "희토류")}},
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
