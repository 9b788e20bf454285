// Walks the Snakemake report as a reader would: every category of the menu, every
// subcategory, the eye button of every entry; waits until each figure (an <img>, loaded)
// or table page (an <iframe>) is shown, polling for React to re-render, and returns the
// menu and what was shown.  Evaluated by tests/test_report.py in headless Chromium.
(async () => {
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  async function until(check, what) {
    for (let i = 0; i < 1200; i++) {
      const value = check();
      if (value) return value;
      await sleep(25);
    }
    throw new Error("the report never showed " + what);
  }
  const link = text => [...document.querySelectorAll("#app a")].find(
    a => a.innerText.trim() === text);
  const rowTexts = () => [...document.querySelectorAll("#app table tbody tr")].map(
    row => row.cells[0].innerText.trim());
  const menu = await until(() => {
    const names = [...document.querySelectorAll("#app a")].map(a => a.innerText.trim());
    return names.includes("4. Ensemble") && names;
  }, "the menu");
  const shown = [];
  for (const category of Object.keys(categories)) {
    for (const subcategory of Object.keys(categories[category])) {
      app.setView({navbarMode: "menu"});
      await until(() => !document.querySelector("#app table"), "the menu again");
      (await until(() => link(category), category)).click();
      // A category with a single subcategory opens it directly.
      const sub = await until(
        () => link(subcategory) || (rowTexts().length && "direct"), subcategory);
      if (sub !== "direct") sub.click();
      const paths = categories[category][subcategory];
      const labels = Object.fromEntries(paths.map(p => [results[p].labels.content, p]));
      await until(() => {
        const rows = rowTexts();
        return rows.length === paths.length && rows.every(r => r in labels);
      }, "the entries of " + subcategory);
      const rows = [...document.querySelectorAll("#app table tbody tr")];
      for (const row of rows) {
        const label = row.cells[0].innerText.trim();
        const uri = results[labels[label]].data_uri;
        row.querySelector('a[iconname="eye"]').click();
        const element = await until(() => [...document.querySelectorAll("img, iframe")].find(
          el => el.src === uri && (el.tagName === "IFRAME" || (el.complete && el.naturalWidth > 0))
        ), label);
        shown.push({category, subcategory, label, tag: element.tagName,
                    width: element.naturalWidth || 0, path: labels[label]});
      }
    }
  }
  return {menu, shown};
})()
