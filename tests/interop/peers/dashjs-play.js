// Plays a DASH stream with dash.js in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) and prints what the page
// saw as JSON: playback position, quality changes and video segments (from
// dash.js events), stalls and rebuffering time (from the video element),
// the URLs of the segments played, and QoE_lin over them as `l7 play`
// computes it.
//   usage: node dashjs-play.js PAGE_URL USER_DATA_DIR MAX_SECONDS
const { chromium } = require("playwright-core");

async function main() {
  const [url, userDataDir, maxSeconds] = process.argv.slice(2);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(url, { waitUntil: "load", timeout: 60000 });
  const deadline = Date.now() + Number(maxSeconds) * 1000;
  let state;
  for (;;) {
    state = await page.evaluate(() => {
      const l7 = window.l7;
      const open = l7.stalledAt === null ? 0 : (performance.now() - l7.t0) / 1000 - l7.stalledAt;
      return { ...l7, openStallS: open, currentTime: document.getElementById("v").currentTime };
    });
    if (state.ended || state.errors.length > 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await context.close();
  // The last download of each segment is the one played (dash.js may replace one).
  const bySegment = new Map();
  for (const s of state.segments) bySegment.set(s.index, s);
  const played = [...bySegment.keys()].sort((a, b) => a - b).map((k) => bySegment.get(k));
  const mbps = played.map((s) => s.bandwidth / 1e6);
  const sum = mbps.reduce((a, b) => a + b, 0);
  let smooth = 0;
  for (let i = 1; i < mbps.length; i++) smooth += Math.abs(mbps[i] - mbps[i - 1]);
  const rebuffer = state.rebufferS + state.openStallS;
  process.stdout.write(JSON.stringify({
    currentTime: state.currentTime, ended: state.ended, startup_s: state.startupS,
    stalls: state.stalls, rebuffer_s: rebuffer, qualities: state.qualities, errors: state.errors,
    segments: played.length, segment_urls: played.map((s) => s.url),
    mean_bitrate_bps: played.length ? (sum * 1e6) / played.length : 0,
    qoe_lin: sum - 4.3 * rebuffer - smooth,
  }) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
