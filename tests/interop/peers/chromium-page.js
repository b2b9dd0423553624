// Loads a page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and prints, as JSON: every response (URL, status, HTTP
// version), each <img>'s natural size, and how many distinct colours the
// page's screenshot has (decoded in the browser from the PNG), so a test
// can tell a rendered page from a blank one. With PROXY, every request
// goes through that HTTP proxy (loopback included) and each response's
// X-Cache field is reported too.
//   usage: node chromium-page.js URL USER_DATA_DIR SCREENSHOT.png [PROXY]
const { chromium } = require("playwright-core");
const fs = require("fs");

async function main() {
  const [url, userDataDir, shot, proxy] = process.argv.slice(2);
  const proxyArgs = proxy ? [`--proxy-server=${proxy}`, "--proxy-bypass-list=<-loopback>"] : [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...proxyArgs,
    ],
    viewport: { width: 1000, height: 700 },
  });
  const page = context.pages()[0] || (await context.newPage());
  const responses = [];
  page.on("response", async (r) => {
    responses.push({ url: r.url(), status: r.status(), x_cache: r.headers()["x-cache"] || null });
  });
  await page.goto(url, { waitUntil: "load", timeout: 60000 });
  const images = await page.$$eval("img", (imgs) =>
    imgs.map((i) => ({ src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })),
  );
  const png = await page.screenshot({ path: shot, fullPage: true });
  const colours = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }, png.toString("base64"));
  await context.close();
  process.stdout.write(JSON.stringify({ responses, images, colours, screenshot_bytes: fs.statSync(shot).size }) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
