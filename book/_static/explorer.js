/* The explorer widget: every `div.hw4-explorer` of a page becomes one.
 *
 * "Explore": fields for x, y and θ, a slider for η; the network, the forward pass, the
 * loss, the gradients, one step and the new loss, live; the loss after k steps against η
 * with question 7's regimes. "Practice": fresh numbers (never a student's), the answers
 * typed one question at a time, checked as the grader checks them, its mistakes named;
 * an expected number is shown only when the reader asks for it.
 * The numbers come from HW4Engine (explorer-engine.js), the rubric's tolerances, the
 * mistakes and their sentences from HW4ExplorerData (explorer-data.js, written by the build).
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const PLOT_POINTS = 160;
  const REGIME_ORDER = ["small", "good", "divergence", "off"];
  let widgets = 0;

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value;
      else if (value !== null && value !== undefined && value !== false) {
        node.setAttribute(key, value === true ? "" : value);
      }
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A number as the page shows it: up to `digits` significant digits, plain or 1.2e-5. */
  function fmt(value, digits) {
    if (typeof value === "boolean") return value ? "True" : "False";
    if (!Number.isFinite(value)) return Number.isNaN(value) ? "not a number (overflow)" : "∞";
    if (value === 0) return "0";
    const size = Math.abs(value);
    const text = size >= 1e5 || size < 1e-3
      ? value.toExponential((digits || 4) - 1).replace(/\.?0+e/, "e")
      : String(Number(value.toPrecision(digits || 4)));
    return text.replace(/^-/, "−");
  }

  function readNumber(text) {
    const cleaned = String(text).trim().replace(/^[−–]/, "-").replace(",", ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return null;
    const value = Number(cleaned);
    return Number.isFinite(value) ? value : null;
  }

  function describe(data) {
    const sample = (n) => `x${n + 1} = (${fmt(data.X[n][0])}, ${fmt(data.X[n][1])}), ` +
      `y${n + 1} = ${fmt(data.y[n])}`;
    return `${sample(0)}; ${sample(1)}; θ = (w0, …, w4) = ` +
      `(${data.theta.map((w) => fmt(w)).join(", ")}); η = ${fmt(data.eta)}`;
  }

  function freshSeed() {
    const cryptoApi = window.crypto || window.msCrypto;
    if (cryptoApi && cryptoApi.getRandomValues) {
      return cryptoApi.getRandomValues(new Uint32Array(1))[0];
    }
    return Math.floor(Math.random() * 4294967296);
  }

  function table(caption, head, rows) {
    return el("table", { class: "hw4-table" }, [
      el("caption", { text: caption }),
      el("thead", {}, [el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))]),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell, i) =>
        i === 0 ? el("th", { scope: "row", text: cell }) : el("td", { text: cell }))))),
    ]);
  }

  // -- the network, drawn ---------------------------------------------------------------

  function networkDrawing(theta) {
    const w = theta.map((v) => fmt(v, 3));
    const label = `The network: inputs x[0], x[1] and the constant 1 feed the hidden unit ` +
      `z = w0·x[0] + w1·x[1] + w2 with weights w0 = ${w[0]}, w1 = ${w[1]}, w2 = ${w[2]}; ` +
      `it outputs h = g(z) = max(0, z); the output is ŷ = w3·h + w4 with w3 = ${w[3]}, ` +
      `w4 = ${w[4]}.`;
    const drawing = svg("svg", { viewBox: "0 0 520 210", class: "hw4-network",
      role: "img", "aria-label": label });
    const nodes = {
      x0: [60, 40, "x[0]"], x1: [60, 105, "x[1]"], b1: [60, 170, "1"],
      hidden: [270, 105, "z → h"], b2: [270, 185, "1"], out: [460, 105, "ŷ"],
    };
    const edges = [["x0", "hidden", 0], ["x1", "hidden", 1], ["b1", "hidden", 2],
      ["hidden", "out", 3], ["b2", "out", 4]];
    for (const [from, to, j] of edges) {
      const [x1, y1] = nodes[from];
      const [x2, y2] = nodes[to];
      drawing.append(svg("line", { x1: x1 + 26, y1: y1, x2: x2 - 30, y2: y2,
        class: "hw4-edge" }));
      const t = j === 4 ? 0.45 : 0.5;
      drawing.append(svg("text", { x: x1 + (x2 - x1) * t, y: y1 + (y2 - y1) * t - 6,
        class: "hw4-weight", "text-anchor": "middle" }, `w${j} = ${w[j]}`));
    }
    for (const [x, y, text] of Object.values(nodes)) {
      drawing.append(svg("circle", { cx: x, cy: y, r: 26, class: "hw4-node" }));
      drawing.append(svg("text", { x: x, y: y + 5, "text-anchor": "middle",
        class: "hw4-node-label" }, text));
    }
    return drawing;
  }

  // -- the loss after k steps against η ----------------------------------------------

  function plotRange(etaStar) {
    const top = etaStar === null ? 2 : Math.min(2, 3 * etaStar);
    return Math.max(0.05, Math.ceil(top * 20) / 20);
  }

  function lossPlot(scan, eta, etaStar, steps, regimes, etaMax) {
    const width = 640;
    const height = 300;
    const left = 58;
    const right = 12;
    const top = 12;
    const bottom = 44;
    const logOf = (v) => Math.log10(Math.min(Math.max(v, 1e-12), 1e12));
    const finite = scan.outcomes.filter((o) => Number.isFinite(o.loss));
    const logs = finite.map((o) => logOf(o.loss)).concat([logOf(scan.lossBefore)]);
    const low = Math.floor(Math.min(...logs));
    const high = Math.max(low + 1, Math.ceil(Math.max(...logs)));
    const px = (value) => left + (value / etaMax) * (width - left - right);
    const py = (log) => top + ((high - log) / (high - low)) * (height - top - bottom);
    const names = REGIME_ORDER.map((key) => regimes[key]);
    const label = `Loss after ${steps} steps against the learning rate from 0 to ` +
      `${fmt(etaMax)}, log scale. ` + REGIME_ORDER.map((key, i) => {
        const etas = scan.outcomes.filter((o) => o.regime === key).map((o) => o.eta);
        return etas.length ? `${names[i]}: η from ${fmt(Math.min(...etas))} to ` +
          `${fmt(Math.max(...etas))}` : "";
      }).filter(Boolean).join("; ") + ".";
    const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "hw4-plot",
      role: "img", "aria-label": label });
    const step = etaMax / scan.outcomes.length;
    for (const o of scan.outcomes) {
      drawing.append(svg("rect", { x: px(o.eta - step), y: top, width: px(step) - left + 0.5,
        height: height - top - bottom, class: `hw4-band hw4-regime-${o.regime}` }));
    }
    for (let log = low; log <= high; log++) {
      drawing.append(svg("line", { x1: left, x2: width - right, y1: py(log), y2: py(log),
        class: "hw4-grid" }));
      drawing.append(svg("text", { x: left - 6, y: py(log) + 4, "text-anchor": "end",
        class: "hw4-tick" }, `1e${log}`));
    }
    for (let i = 0; i <= 4; i++) {
      const value = (etaMax * i) / 4;
      drawing.append(svg("text", { x: px(value), y: height - bottom + 16,
        "text-anchor": "middle", class: "hw4-tick" }, fmt(value, 3)));
    }
    drawing.append(svg("text", { x: (left + width) / 2, y: height - 6, "text-anchor": "middle",
      class: "hw4-axis" }, "learning rate η"));
    drawing.append(svg("text", { x: 14, y: (top + height - bottom) / 2, "text-anchor": "middle",
      class: "hw4-axis", transform: `rotate(-90 14 ${(top + height - bottom) / 2})` },
    `loss after ${steps} steps`));
    drawing.append(svg("line", { x1: left, x2: width - right, y1: py(logOf(scan.lossBefore)),
      y2: py(logOf(scan.lossBefore)), class: "hw4-before" }));
    let path = "";
    for (const o of scan.outcomes) {
      const y = Number.isFinite(o.loss) ? py(logOf(o.loss)) : top;
      path += `${path ? "L" : "M"}${px(o.eta).toFixed(1)},${y.toFixed(1)}`;
    }
    drawing.append(svg("path", { d: path, class: "hw4-curve" }));
    if (etaStar !== null && etaStar <= etaMax) {
      drawing.append(svg("line", { x1: px(etaStar), x2: px(etaStar), y1: top,
        y2: height - bottom, class: "hw4-star" }));
      drawing.append(svg("text", { x: px(etaStar) + 4, y: top + 14, class: "hw4-tick" }, "η*"));
    }
    const at = px(Math.min(eta, etaMax));
    drawing.append(svg("line", { x1: at, x2: at, y1: top, y2: height - bottom,
      class: "hw4-now" }));
    return drawing;
  }

  function legend(regimes) {
    return el("ul", { class: "hw4-legend" }, REGIME_ORDER.map((key) =>
      el("li", {}, [el("span", { class: `hw4-swatch hw4-regime-${key}`, "aria-hidden": "true" }),
        document.createTextNode(regimes[key])])));
  }

  // -- explore ------------------------------------------------------------------------

  function exploreSection(prefix, data, engine, startNumbers) {
    const state = JSON.parse(JSON.stringify(startNumbers));
    state.steps = 20;
    const fields = [];
    const section = el("section", { class: "hw4-explore", "aria-labelledby": prefix + "-e" });
    section.append(el("h3", { id: prefix + "-e", text: "Explore: change a number" }));
    const intro = data.edition === "full"
      ? "It starts from the homework's numbers. "
      : "It starts from fresh numbers, not the homework's. ";
    section.append(el("p", { text: intro + "Numbers that a student ID could give (whole x and " +
      "θ, y in tenths) are left alone: change any x or θ by a fraction to explore near them." }));

    const inputs = el("div", { class: "hw4-inputs" });
    const numberField = (id, text, get, set, attrs) => {
      const input = el("input", Object.assign({ id: id, type: "number", step: "any",
        value: String(get()) }, attrs || {}));
      input.addEventListener("input", () => {
        const value = readNumber(input.value);
        if (value !== null) {
          set(value);
          update();
        }
      });
      fields.push([input, get]);
      return el("div", { class: "hw4-field" }, [el("label", { for: id, text: text }), input]);
    };
    for (let n = 0; n < 2; n++) {
      const group = el("fieldset", {}, [el("legend", { text: `Sample ${n + 1}` })]);
      for (let i = 0; i < 2; i++) {
        group.append(numberField(`${prefix}-x${n}${i}`, `x${n + 1}[${i}]`,
          () => state.X[n][i], (v) => { state.X[n][i] = v; }));
      }
      group.append(numberField(`${prefix}-y${n}`, `y${n + 1}`, () => state.y[n],
        (v) => { state.y[n] = v; }));
      inputs.append(group);
    }
    const params = el("fieldset", {}, [el("legend", { text: "Parameters θ" })]);
    for (let j = 0; j < 5; j++) {
      params.append(numberField(`${prefix}-w${j}`, `w${j}`, () => state.theta[j],
        (v) => { state.theta[j] = v; }));
    }
    inputs.append(params);
    const rate = el("fieldset", {}, [el("legend", { text: "Learning rate" })]);
    const slider = el("input", { id: prefix + "-eta-slider", type: "range", min: "0.001",
      max: "2", step: "0.001", value: String(state.eta), class: "hw4-eta-slider" });
    rate.append(el("div", { class: "hw4-field" }, [
      el("label", { for: prefix + "-eta-slider", text: "η (slider)" }), slider]));
    rate.append(numberField(prefix + "-eta", "η", () => state.eta, (v) => { state.eta = v; },
      { min: "0", max: "2", class: "hw4-eta" }));
    rate.append(numberField(prefix + "-steps", "steps k", () => state.steps,
      (v) => { state.steps = Math.max(1, Math.min(200, Math.round(v))); },
      { min: "1", max: "200", step: "1", class: "hw4-steps" }));
    slider.addEventListener("input", () => {
      state.eta = Number(slider.value);
      update(slider);
    });
    inputs.append(rate);
    section.append(inputs);

    const summary = el("p", { class: "hw4-summary", "aria-live": "polite" });
    const output = el("div", { class: "hw4-output" });
    section.append(summary, output);

    let scanKey = "";
    let scanCache = null;

    function update(source) {
      for (const [input, get] of fields) {
        if (input !== document.activeElement && input !== source) input.value = String(get());
      }
      if (source !== slider) slider.value = String(Math.min(2, Math.max(0.001, state.eta)));
      output.replaceChildren();
      const homework = data.homework && engine.sameNumbers(state, data.homework);
      if (engine.couldBeGraded(state, data.variant) && !homework) {
        summary.dataset.regime = "";
        summary.textContent = "A student ID could give these x, y and θ, so the explorer " +
          "shows nothing for them: change one of them (say, an x or a w by 0.5).";
        return;
      }
      render();
    }

    function render() {
      const d = state;
      const f = engine.forward(d.theta, d.X);
      const back = engine.backprop(d.theta, d.X, d.y);
      const grad = engine.gradient(d.theta, d.X, d.y);
      const thetaNew = engine.gdStep(d.theta, grad, d.eta);
      const before = engine.loss(d.theta, d.X, d.y);
      const after = engine.loss(thetaNew, d.X, d.y);
      output.append(networkDrawing(d.theta));
      output.append(table("The forward pass", ["sample", "x", "y", "z", "h = g(z)", "ŷ",
        "(ŷ − y)²"], [0, 1].map((n) => [String(n + 1), `(${fmt(d.X[n][0])}, ${fmt(d.X[n][1])})`,
        fmt(d.y[n]), fmt(f.z[n]), fmt(f.h[n]), fmt(f.yHat[n]), fmt((f.yHat[n] - d.y[n]) ** 2)])));
      output.append(el("p", { class: "hw4-loss", text: `The loss 𝓛 = ${fmt(before)}.` }));
      output.append(table("The backward pass: errors and gradients per sample",
        ["sample", "δŷ", "δh", "∂L/∂w0", "∂L/∂w1", "∂L/∂w2", "∂L/∂w3", "∂L/∂w4"],
        [0, 1].map((n) => [String(n + 1), fmt(back.dYHat[n]), fmt(back.dH[n]),
          ...back.grads[n].map((g) => fmt(g))])));
      output.append(table("One gradient-descent step, θ′ = θ − η∇𝓛",
        ["", "w0", "w1", "w2", "w3", "w4"],
        [["θ", ...d.theta.map((w) => fmt(w))], ["∇𝓛", ...grad.map((g) => fmt(g))],
          ["θ′", ...thetaNew.map((w) => fmt(w))]]));
      const verdict = after < before ? "lowers" : "does not lower";
      output.append(el("p", { class: "hw4-loss-new",
        text: `The new loss 𝓛′ = ${fmt(after)}: the step ${verdict} the loss.` }));

      const scanData = data.first_step_scan;
      const key = JSON.stringify([d.X, d.y, d.theta, d.steps]);
      if (key !== scanKey) {
        const etaStar = engine.largestDecreasingEta(d, scanData.eta_max, scanData.grid_size);
        const etaMax = plotRange(etaStar);
        scanCache = { etaStar: etaStar, etaMax: etaMax,
          scan: engine.learningRateScan(d, d.steps, etaMax, PLOT_POINTS) };
        scanKey = key;
      }
      const { etaStar, etaMax, scan } = scanCache;
      const now = engine.runOutcome(d, d.eta, d.steps);
      const regime = engine.regime(d, d.eta, d.steps, scan);
      const name = data.regimes[regime];
      const lossText = Number.isFinite(now.loss) ? fmt(now.loss) : "overflowing";
      summary.dataset.regime = regime;
      summary.textContent = `𝓛 = ${fmt(before)}, 𝓛′ = ${fmt(after)} after one step; ` +
        `after ${d.steps} steps with η = ${fmt(d.eta)} the loss is ${lossText}: ${name}.`;
      const figure = el("figure", { class: "hw4-figure" });
      figure.append(lossPlot(scan, d.eta, etaStar, d.steps, data.regimes, etaMax));
      const star = etaStar === null
        ? `the first step lowers the loss for every η up to ${fmt(scanData.eta_max)}`
        : `η* = ${fmt(etaStar)} is the largest η whose first step lowers the loss`;
      const diverging = scan.divergenceFrom === null ? ""
        : `; the ${d.steps}-step runs diverge from η ≈ ${fmt(scan.divergenceFrom, 3)} on`;
      figure.append(el("figcaption", { text: `The loss after ${d.steps} steps against η ` +
        `(log scale; dashed: the loss before; the vertical line: your η). ${star}${diverging}. ` +
        "Regimes: too small, the loss is not even halved; divergence, it ends above where it " +
        "started; the ReLU switches off, the hidden unit is off for every sample." }));
      figure.append(legend(data.regimes));
      output.append(figure);
    }

    update();
    return section;
  }

  // -- practice -------------------------------------------------------------------------

  const STEPS = [
    ["y_hat", "Question 1: the predictions ŷ"],
    ["loss", "Question 2: the loss 𝓛"],
    ["grad_per_sample", "Question 4: the gradient of L for each sample"],
    ["grad", "Question 4: the gradient ∇𝓛 (their mean)"],
    ["theta_new", "Question 5: the parameters θ′ after one step"],
    ["loss_new", "Question 6: the loss 𝓛′ after the step"],
    ["loss_decreased", "Question 6: is 𝓛′ lower than 𝓛?"],
  ];

  function practiceSection(prefix, data, engine) {
    const section = el("section", { class: "hw4-practice", "aria-labelledby": prefix + "-p" });
    section.append(el("h3", { id: prefix + "-p", text: "Practice: fresh numbers" }));
    section.append(el("p", { text: "Work out each answer by hand and type it in. It is " +
      "checked as the grader checks it (the same tolerance), and a known mistake is named. " +
      "The expected answer is shown only if you ask for it. These numbers are drawn at " +
      "random here, never a student's." }));
    const again = el("button", { type: "button", class: "hw4-new", text: "New numbers" });
    const problemText = el("p", { class: "hw4-problem" });
    const steps = el("div", { class: "hw4-steps-list" });
    section.append(again, problemText, steps);
    let problem;
    let reference;

    function fresh() {
      problem = engine.practiceProblem(engine.generator(freshSeed()), data.variant);
      reference = engine.answers(problem);
      problemText.dataset.numbers = JSON.stringify(problem);
      problemText.textContent = "Your numbers: " + describe(problem) + ".";
      steps.replaceChildren(...STEPS.map(([name, title], index) =>
        stepForm(prefix + "-s" + index, name, title, index)));
    }

    function labelsOf(name) {
      if (name === "loss") return ["𝓛"];
      if (name === "loss_new") return ["𝓛′"];
      return data.labels[name];
    }

    function stepForm(id, name, title, index) {
      const form = el("fieldset", { class: "hw4-step", "data-answer": name,
        hidden: index > 0 });
      form.append(el("legend", { text: title }));
      const inputs = [];
      if (name === "loss_decreased") {
        const select = el("select", { id: id + "-0" }, [
          el("option", { value: "", text: "choose" }),
          el("option", { value: "true", text: "True: the loss is lower" }),
          el("option", { value: "false", text: "False: it is not lower" })]);
        inputs.push(select);
        form.append(el("div", { class: "hw4-field" }, [
          el("label", { for: id + "-0", text: "loss_decreased" }), select]));
      } else {
        labelsOf(name).forEach((label, i) => {
          const input = el("input", { id: `${id}-${i}`, type: "text", inputmode: "decimal",
            autocomplete: "off", class: "hw4-answer" });
          inputs.push(input);
          form.append(el("div", { class: "hw4-field" }, [
            el("label", { for: `${id}-${i}`, text: label }), input]));
        });
      }
      const check = el("button", { type: "button", class: "hw4-check", text: "Check" });
      const reveal = el("button", { type: "button", class: "hw4-reveal",
        text: "I give up: show the answer" });
      const feedback = el("div", { class: "hw4-feedback", role: "status" });
      form.append(el("div", { class: "hw4-buttons" }, [check, reveal]), feedback);
      let attempts = 0;

      function settle() {
        check.disabled = true;
        reveal.disabled = true;
        for (const input of inputs) input.readOnly = true;
        const next = form.nextElementSibling;
        if (next) next.hidden = false;
      }

      check.addEventListener("click", () => {
        let typed;
        if (name === "loss_decreased") {
          if (!inputs[0].value) {
            feedback.textContent = "Choose True or False first.";
            return;
          }
          typed = inputs[0].value === "true";
        } else {
          const labels = labelsOf(name);
          const values = inputs.map((input) => readNumber(input.value));
          const bad = labels.filter((_, i) => values[i] === null);
          if (bad.length) {
            feedback.textContent = `Not a number: ${bad.join(", ")}. Type a decimal number ` +
              "such as -0.25 or 1.5e-3.";
            return;
          }
          typed = name === "grad_per_sample" ? [values.slice(0, 5), values.slice(5)]
            : (name === "loss" || name === "loss_new") ? values[0] : values;
        }
        attempts += 1;
        const verdict = engine.checkAnswer(name, typed, problem, data.rubric, data.mistakes,
          reference);
        feedback.dataset.status = verdict.status;
        feedback.dataset.tags = verdict.tags.join(" ");
        feedback.replaceChildren(...verdictText(name, verdict, attempts));
        if (verdict.status === "correct") {
          form.dataset.settled = "right";
          settle();
        }
      });

      reveal.addEventListener("click", () => {
        const expected = reference[name];
        const values = Array.isArray(expected) ? expected.flat() : [expected];
        const labels = name === "loss_decreased" ? ["loss_decreased"] : labelsOf(name);
        feedback.dataset.status = "shown";
        feedback.replaceChildren(el("p", { class: "hw4-expected",
          text: "The expected answer: " + labels.map((label, i) =>
            `${label} = ${fmt(values[i], 6)}`).join("; ") + "." }));
        form.dataset.settled = "shown";
        settle();
      });
      return form;
    }

    function verdictText(name, verdict, attempts) {
      const parts = [];
      const tries = attempts > 1 ? ` (attempt ${attempts})` : "";
      if (verdict.status === "correct") {
        parts.push(el("p", { class: "hw4-right", text: "Right" + tries + ": within the " +
          "grader's tolerance. On to the next question." }));
        return parts;
      }
      const byTag = {};
      for (const m of data.mistakes.misconceptions) byTag[m.tag] = m;
      if (verdict.readings.length) {
        parts.push(el("p", { class: "hw4-wrong", text: "Not right" + tries + ". " +
          (verdict.readings.length > 1
            ? "These numbers fit more than one mistake the grader knows:"
            : "The grader recognises this mistake:") }));
        parts.push(el("ul", { class: "hw4-mistakes" }, verdict.readings.map((reading) =>
          el("li", { "data-tags": reading.join(" "), text: reading.map((tag) =>
            `${byTag[tag].title}. ${byTag[tag].sentence}`).join(" And: ") }))));
      } else {
        const labels = name === "loss_decreased" ? [] : labelsOf(name);
        const wrong = labels.filter((_, i) => !verdict.right[i]);
        const which = labels.length > 1 ? `: ${wrong.join(", ")}` : "";
        parts.push(el("p", { class: "hw4-wrong", text: `Not right${tries}${which}. ` +
          data.hints[name] }));
      }
      return parts;
    }

    again.addEventListener("click", fresh);
    fresh();
    return section;
  }

  function build(container, data, engine) {
    widgets += 1;
    const prefix = "hw4x" + widgets;
    const start = data.homework || engine.practiceProblem(engine.generator(freshSeed()),
      data.variant);
    container.replaceChildren(exploreSection(prefix, data, engine, start),
      practiceSection(prefix, data, engine));
    container.dataset.ready = "true";
  }

  function init() {
    if (!window.HW4ExplorerData || !window.HW4Engine) return;
    for (const container of document.querySelectorAll("div.hw4-explorer")) {
      build(container, window.HW4ExplorerData, window.HW4Engine);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
