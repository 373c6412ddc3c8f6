"""Headless Chromium through Selenium, as the browser test and
bench/explorer.py start it: Debian's chromium and chromium-driver, with a
fresh profile, no background networking, and the DevTools performance log
on (every network request the page makes is in it).

Run with Debian's /usr/bin/python3 (python3-selenium). start() raises
BrowserMissing with the reason when Chromium, its driver or Selenium is not
there: the browser test counts that as a failure, never a skip."""
import os
import shutil
import tempfile

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions"]


class BrowserMissing(Exception):
    pass


def stop_on_sigterm():
    """Turns SIGTERM (a test's timeout, a killed benchmark) into SystemExit,
    so that the caller's `finally: browser.stop()` still ends Chromium."""
    import signal
    import sys
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


class Browser:
    """A started Chromium; stop() ends it and removes its profile."""

    def __init__(self, width=1280, height=1000):
        stop_on_sigterm()
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError as e:
            raise BrowserMissing(f"Selenium is not importable ({e}): install python3-selenium "
                                 "and run with /usr/bin/python3")
        for path, package in ((CHROMIUM, "chromium"), (DRIVER, "chromium-driver")):
            if not os.access(path, os.X_OK):
                raise BrowserMissing(f"{path} is missing: install {package}")
        self.profile = tempfile.mkdtemp(prefix="kvsim-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS + [f"--window-size={width},{height}", f"--user-data-dir={self.profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise

    def stop(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def metrics(self):
        """Chromium's own figures for the page (CDP Performance.getMetrics):
        JSHeapUsedSize, Nodes, ... by name."""
        self.driver.execute_cdp_cmd("Performance.enable", {})
        got = self.driver.execute_cdp_cmd("Performance.getMetrics", {})
        return {m["name"]: m["value"] for m in got["metrics"]}

    def requests(self):
        """The URLs of every request the browser sent since the last call,
        from the DevTools performance log (Network.requestWillBeSent)."""
        import json
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def console_errors(self):
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
