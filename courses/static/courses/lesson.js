// Lesson reading: report reading time in heartbeats while the page is visible and the reader
// active, and tell the server once the end of the lesson has been seen. The server decides how
// much time each beat earns (never more than the time since the last beat, capped), so this
// script only has to stay quiet when nobody is reading.
(function () {
  "use strict";
  var lesson = document.getElementById("lesson");
  if (!lesson) return;

  var url = lesson.dataset.heartbeatUrl;
  var interval = Number(lesson.dataset.interval) * 1000;
  var activeWindow = Number(lesson.dataset.activeWindow) * 1000;
  var minSeconds = Number(lesson.dataset.minSeconds);
  var status = document.getElementById("lesson-status");
  var bar = document.getElementById("time-bar");
  var endMarker = document.getElementById("lesson-end");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");

  var lastActivity = Date.now();
  var endSeen = false;
  var endReported = false;
  var completed = lesson.dataset.completed === "true";
  var inFlight = false;
  var queued = false;
  var beats = 0;

  function show(progress, courseCompleted) {
    var spent = progress.seconds_spent;
    bar.style.width = Math.min(100, Math.floor((spent * 100) / Math.max(1, minSeconds))) + "%";
    status.dataset.spent = spent;
    if (progress.completed) {
      completed = true;
      status.textContent = courseCompleted ? status.dataset.textCourseDone : status.dataset.textDone;
      status.classList.add("ok");
    } else {
      status.textContent = status.dataset.textReading
        .replace("%(spent)s", spent)
        .replace("%(min)s", minSeconds);
    }
  }

  function beat(reason) {
    if (inFlight) {
      // One beat at a time; a beat asked for meanwhile (the end coming into view) follows it.
      queued = true;
      return;
    }
    inFlight = true;
    lesson.dataset.inFlight = "true";
    var reportEnd = endSeen && !endReported;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ end_reached: reportEnd }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        beats += 1;
        lesson.dataset.beats = String(beats);
        if (reportEnd) endReported = true;
        show(progress, progress.course_completed);
      })
      .catch(function () {
        status.textContent = status.dataset.textOffline;
      })
      .finally(function () {
        inFlight = false;
        lesson.dataset.lastBeat = reason;
        // A beat asked for meanwhile still goes if the reader is there, or to report the end.
        var wanted = queued && !completed && (active() || (endSeen && !endReported));
        queued = false;
        if (wanted) {
          beat("queued");
        } else {
          lesson.dataset.inFlight = "false";
        }
      });
  }

  function active() {
    return document.visibilityState === "visible" && Date.now() - lastActivity < activeWindow;
  }

  ["scroll", "keydown", "touchstart", "pointerdown", "wheel"].forEach(function (name) {
    window.addEventListener(
      name,
      function () {
        lastActivity = Date.now();
      },
      { passive: true }
    );
  });

  // Coming back to the tab starts a new stretch of reading; the server credits none of the gap.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      lastActivity = Date.now();
      if (!completed) beat("visible");
    }
  });

  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && !endSeen) {
          endSeen = true;
          lastActivity = Date.now();
          if (!completed) beat("end");
        }
      });
    }).observe(endMarker);
  }

  setInterval(function () {
    if (!completed && active()) beat("interval");
  }, interval);

  if (!completed) beat("start");
})();
