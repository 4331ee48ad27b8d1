// The book's search ranking (Sphinx's `html_search_scorer`): a chapter whose own title holds every
// word of the query comes first. Sphinx means to give that boost itself (`titles[file] === title`),
// but with numbered chapters the stored title starts with its section number, so the boost never
// applies and a chapter ties with any other page that has a section of the same name, ranked by
// chapter number. The other weights are Sphinx 7's defaults.
var Scorer = {
  score: ([docname, title, anchor, descr, score]) => {
    const words = (new URLSearchParams(window.location.search).get("q") || "")
      .toLowerCase()
      .split(/[^\p{L}\p{N}_]+/u)
      .filter((word) => word.length > 0);
    const pageTitle = title.split(" > ")[0].replace(/<[^>]*>/g, "").replace(/^[\d.\s]+/, "").toLowerCase();
    const isThePage = anchor === "" && words.length > 0 && words.every((word) => pageTitle.includes(word));
    return isThePage ? score + 20 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
