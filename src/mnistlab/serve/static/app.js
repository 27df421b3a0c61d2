"use strict";
// Drawing pad: pointer events cover mouse, pen and touch. Dark ink on white, as people
// draw on paper; the server fixes the polarity the way MNIST was made. An uploaded file
// goes to the server as it is (multipart field 'file') and is shown on the pad.
(function () {
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const seen = document.getElementById("seen");
  const bars = document.getElementById("bars");
  const digitEl = document.getElementById("digit");
  const confEl = document.getElementById("confidence");
  const errorEl = document.getElementById("error");
  const fileInput = document.getElementById("file");
  let drawing = false, dirty = false, last = null, inflight = null, timer = null;

  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.dataset.digit = String(d);
    li.innerHTML = '<span class="d">' + d + '</span><span class="track"><span class="fill"></span></span><span class="pct"></span>';
    bars.appendChild(li);
  }

  function reset() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    ctx.lineWidth = pad.width / 14;
    dirty = false;
    digitEl.textContent = "?";
    confEl.textContent = "draw a digit";
    errorEl.hidden = true;
    bars.classList.remove("shown");
    for (const li of bars.children) {
      li.classList.remove("best");
      li.querySelector(".fill").style.width = "0";
      li.querySelector(".pct").textContent = "";
    }
    seen.getContext("2d").clearRect(0, 0, seen.width, seen.height);
  }

  function point(e) {
    const r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
  }

  pad.addEventListener("pointerdown", (e) => {
    drawing = true;
    fileInput.value = ""; // the drawing is the input now, even if over an upload
    pad.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fillStyle = "#111";
    ctx.fill();
    dirty = true;
  });
  pad.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    clearTimeout(timer);
    timer = setTimeout(predict, 250); // answer while drawing, at most every 250 ms of rest
  });
  const stop = () => {
    if (!drawing) return;
    drawing = false;
    clearTimeout(timer);
    predict();
  };
  pad.addEventListener("pointerup", stop);
  pad.addEventListener("pointercancel", stop);
  document.getElementById("clear").addEventListener("click", () => {
    fileInput.value = "";
    reset();
  });

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (!file) return;
    reset();
    showUpload(file);
    const form = new FormData();
    form.append("file", file); // fetch sets the multipart Content-Type and boundary
    post(form, {});
  });

  // the upload fitted inside the pad, to see it and draw over it; createImageBitmap reads
  // the file itself (no blob: URL, which the Content-Security-Policy would refuse)
  async function showUpload(file) {
    try {
      const bmp = await createImageBitmap(file);
      const s = Math.min(pad.width / bmp.width, pad.height / bmp.height);
      const w = bmp.width * s, h = bmp.height * s;
      ctx.drawImage(bmp, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
      bmp.close();
    } catch (err) {
      // not an image the browser decodes: the server's answer says what is wrong
    }
  }

  function show(result) {
    errorEl.hidden = true;
    digitEl.textContent = String(result.digit);
    confEl.textContent = (100 * result.probability).toFixed(1) + "% sure";
    result.probabilities.forEach((p, i) => {
      const li = bars.children[i];
      li.classList.toggle("best", i === result.digit);
      li.querySelector(".fill").style.width = (100 * p).toFixed(1) + "%";
      li.querySelector(".pct").textContent = (100 * p).toFixed(0) + "%";
    });
    bars.classList.add("shown");
    const img = result.image;
    const sctx = seen.getContext("2d");
    const data = sctx.createImageData(img.width, img.height);
    for (let r = 0; r < img.height; r++) {
      for (let c = 0; c < img.width; c++) {
        const v = Math.round(255 * img.pixels[r][c] / img.pixel_max);
        const k = 4 * (r * img.width + c);
        data.data[k] = data.data[k + 1] = data.data[k + 2] = v;
        data.data[k + 3] = 255;
      }
    }
    sctx.putImageData(data, 0, 0);
  }

  // one answer at a time: a newer drawing or upload aborts the request still on its way
  async function post(body, headers) {
    if (inflight) inflight.abort();
    const controller = new AbortController();
    inflight = controller;
    try {
      const res = await fetch("/api/predict", { method: "POST", body, headers, signal: controller.signal });
      const answer = await res.json();
      if (!res.ok) throw new Error(answer.error || res.statusText);
      show(answer);
    } catch (err) {
      if (err.name === "AbortError") return;
      errorEl.textContent = err.message;
      errorEl.hidden = false;
    } finally {
      if (inflight === controller) inflight = null;
    }
  }

  function predict() {
    if (!dirty) return;
    pad.toBlob((blob) => post(blob, { "Content-Type": "image/png" }), "image/png");
  }

  reset();
})();
