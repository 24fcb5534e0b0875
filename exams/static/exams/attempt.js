// The exam page: autosave through the JSON API, a countdown to the server's deadline, resume after
// a reload, and submit after a confirmation.
//
// An answer counts as saved only once the server acknowledged it. Until then it is kept in
// localStorage, so that a reload, a closed tab or a lost connection does not lose it, and it is
// sent again: after a delay that grows to 30 seconds, when the phone comes back online, on the
// next change, and when the page is opened again.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;

  var data = JSON.parse(document.getElementById("attempt-data").textContent);
  var text = JSON.parse(document.getElementById("attempt-text").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var answersUrl = root.dataset.answersUrl;
  var attemptUrl = root.dataset.attemptUrl;
  var resultUrl = root.dataset.resultUrl;
  var storageKey = "xuefa:attempt:" + data.id + ":unsaved";

  var bar = document.getElementById("exam-bar");
  var countdown = document.getElementById("countdown");
  var answeredCount = document.getElementById("answered-count");
  var saveStatus = document.getElementById("save-status");
  var warning = document.getElementById("save-warning");
  var warningText = document.getElementById("save-warning-text");
  var navigator = document.getElementById("navigator");
  var submitForm = document.getElementById("submit-form");
  var dialog = document.getElementById("submit-dialog");
  var summary = document.getElementById("submit-summary");
  var confirmButton = document.getElementById("submit-confirm");
  var cancelButton = document.getElementById("submit-cancel");

  var questions = Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));
  var byItem = {};
  questions.forEach(function (question) {
    byItem[question.dataset.item] = question;
  });

  var FIRST_RETRY_MS = 2000;
  var LAST_RETRY_MS = 30000;
  var RESYNC_MS = 180000;

  // ------------------------------------------------------------------ the clock
  // The deadline is the server's. The phone's clock may be off by minutes, so the countdown runs
  // on the phone's clock plus the offset between the two measured when the page was rendered.
  var offset = 0;
  var deadline = 0;

  function syncClock(payload) {
    offset = Date.parse(payload.server_time) - Date.now();
    deadline = Date.parse(payload.deadline);
  }

  function remainingMs() {
    return deadline - (Date.now() + offset);
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clock(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    return (hours ? hours + ":" : "") + pad(minutes) + ":" + pad(seconds);
  }

  // ------------------------------------------------------------------ answers on the page
  function keysOf(question) {
    var keys = [];
    question.querySelectorAll("input:checked").forEach(function (input) {
      keys.push(input.value);
    });
    return keys.sort();
  }

  function setKeys(question, keys) {
    question.querySelectorAll("input").forEach(function (input) {
      input.checked = keys.indexOf(input.value) !== -1;
    });
  }

  function showProgress() {
    var answered = 0;
    questions.forEach(function (question) {
      var done = keysOf(question).length > 0;
      if (done) answered += 1;
      question.classList.toggle("answered", done);
      var link = document.getElementById("nav-" + question.dataset.item);
      if (link) link.classList.toggle("answered", done);
    });
    answeredCount.textContent = answered;
  }

  function positions(items) {
    return items
      .map(function (item) {
        return Number(byItem[item].dataset.position);
      })
      .sort(function (a, b) {
        return a - b;
      })
      .join(text.separator);
  }

  // ------------------------------------------------------------------ answers not yet acknowledged
  // In memory with a revision (a change made while a save is on its way is newer than what that
  // save carries), and in localStorage item by item, so that two tabs of the same attempt never
  // drop each other's copies: an entry is removed only when the keys the server acknowledged are
  // still the keys stored.
  var unsaved = {}; // item id -> {keys, rev}
  var revision = 0;

  function readStore() {
    try {
      var stored = JSON.parse(localStorage.getItem(storageKey) || "{}");
      return stored && typeof stored === "object" ? stored : {};
    } catch (error) {
      return {};
    }
  }

  function writeStore(stored) {
    try {
      if (Object.keys(stored).length) localStorage.setItem(storageKey, JSON.stringify(stored));
      else localStorage.removeItem(storageKey);
    } catch (error) {
      // Storage full or disabled: the copy in memory is still sent again.
    }
  }

  function sameKeys(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.join(",") === b.join(",");
  }

  function remember(item, keys) {
    revision += 1;
    unsaved[item] = { keys: keys, rev: revision };
    var stored = readStore();
    stored[item] = keys;
    writeStore(stored);
  }

  function release(sent) {
    var stored = readStore();
    Object.keys(sent).forEach(function (item) {
      if (unsaved[item] && unsaved[item].rev === sent[item].rev) delete unsaved[item];
      if (sameKeys(stored[item], sent[item].keys)) delete stored[item];
    });
    writeStore(stored);
  }

  function restore() {
    var stored = readStore();
    Object.keys(stored).forEach(function (item) {
      var question = byItem[item];
      if (!question || !Array.isArray(stored[item])) return;
      setKeys(question, stored[item]);
      revision += 1;
      unsaved[item] = { keys: keysOf(question), rev: revision };
    });
  }

  function forget() {
    unsaved = {};
    writeStore({});
  }

  // ------------------------------------------------------------------ saving
  var inFlight = false;
  var closed = false;
  var retryTimer = null;
  var retryDelay = FIRST_RETRY_MS;
  var waiting = []; // callbacks(ok) for "everything acknowledged" (submit)

  function settle(ok) {
    var callbacks = waiting;
    waiting = [];
    callbacks.forEach(function (callback) {
      callback(ok);
    });
  }

  function whenSaved(callback) {
    waiting.push(callback);
    flush();
  }

  function flush() {
    if (inFlight || closed) return;
    var items = Object.keys(unsaved);
    if (!items.length) {
      settle(true);
      return;
    }
    clearTimeout(retryTimer);
    retryTimer = null;
    var sent = {};
    var answers = items.map(function (item) {
      sent[item] = unsaved[item];
      return { item: Number(item), keys: unsaved[item].keys };
    });
    inFlight = true;
    saveStatus.textContent = text.saving;
    saveStatus.className = "save-status muted";
    fetch(answersUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: answers }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { ok: response.ok, status: response.status, body: body };
          });
      })
      .then(
        function (reply) {
          inFlight = false;
          if (reply.ok) acknowledged(sent, reply.body);
          else if (reply.status === 409 && reply.body.code === "attempt_closed") attemptClosed();
          else if (reply.status === 400) rejected(sent, reply.body.detail);
          else failed(reply.body.detail || "HTTP " + reply.status);
        },
        function () {
          inFlight = false;
          failed("");
        }
      );
  }

  function acknowledged(sent, body) {
    // A change made while this save was on its way is newer: it stays unsaved and goes next.
    release(sent);
    retryDelay = FIRST_RETRY_MS;
    // Every save's answer carries the deadline as it is now: extra time, or an earlier close,
    // reaches the countdown with the next save instead of the next resync.
    if (body.deadline) syncClock({ server_time: body.saved_at, deadline: body.deadline });
    var at = new Date(body.saved_at);
    saveStatus.textContent = text.saved.replace(
      "%(time)s",
      pad(at.getHours()) + ":" + pad(at.getMinutes()) + ":" + pad(at.getSeconds())
    );
    saveStatus.className = "save-status ok";
    if (Object.keys(unsaved).length) {
      flush();
    } else {
      warning.hidden = true;
      settle(true);
    }
  }

  function failed(detail) {
    saveStatus.textContent = text.unsaved;
    saveStatus.className = "save-status error";
    warningText.textContent = [
      text.warning.replace("%(items)s", positions(Object.keys(unsaved))),
      detail,
      text.retrying.replace("%(seconds)s", Math.round(retryDelay / 1000)),
    ]
      .filter(Boolean)
      .join(" ");
    warning.hidden = false;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, LAST_RETRY_MS);
    settle(false);
  }

  function rejected(sent, detail) {
    // The server refused the batch as malformed (it saves all or none); sending it again cannot
    // succeed, so it is dropped and the refusal shown.
    release(sent);
    saveStatus.textContent = text.unsaved;
    saveStatus.className = "save-status error";
    warningText.textContent = detail || "";
    warning.hidden = false;
    settle(false);
  }

  function attemptClosed() {
    closed = true;
    forget();
    warningText.textContent = text.closed;
    warning.hidden = false;
    window.location.href = resultUrl;
  }

  // ------------------------------------------------------------------ the server's view of the attempt
  function resync() {
    return fetch(attemptUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (payload) {
        if (payload.status === "submitted") {
          attemptClosed();
        } else {
          // Extra time granted by an administrator moves the deadline.
          syncClock(payload);
        }
        return payload;
      });
  }

  // ------------------------------------------------------------------ submitting
  var submitting = false;

  function submitNow() {
    submitting = true;
    closed = true;
    forget();
    submitForm.submit(); // does not fire the submit event: no second confirmation
  }

  function unansweredSummary() {
    var missing = questions
      .filter(function (question) {
        return !keysOf(question).length;
      })
      .map(function (question) {
        return question.dataset.position;
      });
    if (!missing.length) return { ok: true, text: text.all_answered.replace("%(count)s", questions.length) };
    return {
      ok: false,
      text: text.unanswered.replace("%(count)s", missing.length).replace("%(items)s", missing.join(text.separator)),
    };
  }

  function confirmAndSubmit() {
    confirmButton.disabled = true;
    cancelButton.disabled = true;
    summary.textContent = text.submitting;
    whenSaved(function (ok) {
      if (ok) {
        submitNow();
        return;
      }
      confirmButton.disabled = false;
      cancelButton.disabled = false;
      if (dialog.open) dialog.close();
      warningText.textContent = text.not_saved_cannot_submit + " " + warningText.textContent;
      warning.hidden = false;
    });
  }

  submitForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitting) return;
    var state = unansweredSummary();
    summary.textContent = state.text;
    summary.className = state.ok ? "ok" : "warn";
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else if (window.confirm(state.text)) {
      confirmAndSubmit();
    }
  });
  cancelButton.addEventListener("click", function () {
    dialog.close();
  });
  confirmButton.addEventListener("click", confirmAndSubmit);

  // ------------------------------------------------------------------ time is up
  var timeUpBusy = false;

  function timeUp() {
    timeUpBusy = true;
    resync().then(
      function (payload) {
        if (payload.status === "submitted") return;
        if (remainingMs() > 0) {
          timeUpBusy = false;
          return;
        }
        warningText.textContent = text.time_up;
        warning.hidden = false;
        // Whatever reached the server within its grace period counts; then submit in any case.
        whenSaved(submitNow);
      },
      function () {
        // The server will submit the attempt itself; ask again shortly.
        setTimeout(function () {
          timeUpBusy = false;
        }, 5000);
      }
    );
  }

  function tick() {
    var ms = remainingMs();
    countdown.textContent = clock(ms);
    bar.classList.toggle("ending", ms <= 5 * 60 * 1000);
    if (ms <= 0 && !timeUpBusy && !submitting) timeUp();
  }

  // ------------------------------------------------------------------ wiring
  document.getElementById("paper").addEventListener("change", function (event) {
    var question = event.target.closest("fieldset.question");
    if (!question || closed) return;
    remember(question.dataset.item, keysOf(question));
    showProgress();
    flush();
  });
  navigator.addEventListener("click", function (event) {
    if (event.target.closest("a")) navigator.open = false;
  });
  window.addEventListener("online", function () {
    retryDelay = FIRST_RETRY_MS;
    flush();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || closed) return;
    flush();
    resync().catch(function () {});
  });

  syncClock(data);
  restore();
  showProgress();
  flush();
  tick();
  setInterval(tick, 1000);
  setInterval(function () {
    if (!closed) resync().catch(function () {});
  }, RESYNC_MS);
})();
