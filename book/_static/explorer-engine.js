/* The homework's network in plain JavaScript, for the explorer and its practice mode.
 *
 * A data set is {X: [[x0, x1], [x0, x1]], y: [y1, y2], theta: [w0 … w4], eta}.
 * Every step repeats the reference package `solutions` (same formulas, same order of
 * operations); the practice checks repeat the grader's (`grader/judgment`) for one answer
 * whose earlier answers are right. The rubric's tolerances, the mistakes' mutations and
 * sentences come from the data the build writes (`explorer-data.js`, from the Python).
 * Runs in a browser (window.HW4Engine) and in Node (module.exports).
 */
(function (root, factory) {
  "use strict";
  const engine = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = engine;
  } else {
    root.HW4Engine = engine;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const ORDER = ["y_hat", "loss", "grad_per_sample", "grad", "theta_new", "loss_new",
    "loss_decreased"];

  // -- the network (solutions.network, solutions.training) ----------------------------

  function relu(z) {
    return z > 0 ? z : z - z;
  }

  function forward(theta, X) {
    const z = X.map((x) => theta[0] * x[0] + theta[1] * x[1] + theta[2]);
    const h = z.map(relu);
    return { z: z, h: h, yHat: h.map((value) => theta[3] * value + theta[4]) };
  }

  function meanOf(values) {
    let total = 0;
    for (const value of values) total += value;
    return total / values.length;
  }

  function loss(theta, X, y) {
    const yHat = forward(theta, X).yHat;
    return meanOf(yHat.map((value, n) => (value - y[n]) ** 2));
  }

  function backprop(theta, X, y) {
    const f = forward(theta, X);
    const dYHat = f.yHat.map((value, n) => 2 * (value - y[n]));
    const dH = dYHat.map((d, n) => d * theta[3] * (f.z[n] > 0 ? 1 : 0));
    const grads = X.map((x, n) =>
      [dH[n] * x[0], dH[n] * x[1], dH[n], dYHat[n] * f.h[n], dYHat[n]].map((g) => g + 0));
    return { dYHat: dYHat, dH: dH, grads: grads };
  }

  function columnMeans(rows) {
    return rows[0].map((_, j) => {
      let total = 0;
      for (const row of rows) total += row[j];
      return total / rows.length;
    });
  }

  function gradient(theta, X, y) {
    return columnMeans(backprop(theta, X, y).grads);
  }

  function gdStep(theta, grad, eta) {
    return theta.map((w, j) => w - eta * grad[j]);
  }

  /** θ before each step and after the last, and 𝓛 at each (solutions.train). */
  function train(theta, X, y, eta, steps) {
    const thetas = [theta.slice()];
    const losses = [loss(theta, X, y)];
    for (let step = 0; step < steps; step++) {
      const last = thetas[thetas.length - 1];
      const next = gdStep(last, gradient(last, X, y), eta);
      thetas.push(next);
      losses.push(loss(next, X, y));
    }
    return { thetas: thetas, losses: losses };
  }

  /** The homework's answers for one data set (solutions.answers). */
  function answers(data) {
    const grad = gradient(data.theta, data.X, data.y);
    const thetaNew = gdStep(data.theta, grad, data.eta);
    const before = loss(data.theta, data.X, data.y);
    const after = loss(thetaNew, data.X, data.y);
    return {
      y_hat: forward(data.theta, data.X).yHat,
      loss: before,
      grad_per_sample: backprop(data.theta, data.X, data.y).grads,
      grad: grad,
      theta_new: thetaNew,
      loss_new: after,
      loss_decreased: after < before,
    };
  }

  // -- question 7: the learning rate (book/worked.py) ---------------------------------

  /** Loss after one step of size eta minus loss before (< 0: lower). */
  function firstStepChange(data, eta) {
    const before = loss(data.theta, data.X, data.y);
    const grad = gradient(data.theta, data.X, data.y);
    const after = loss(data.theta.map((w, j) => w - eta * grad[j]), data.X, data.y);
    return after - before;
  }

  /** The first eta > 0 at which the first step stops lowering the loss (null if none). */
  function largestDecreasingEta(data, etaMax, gridSize) {
    let previous = 0;
    for (let i = 1; i < gridSize; i++) {
      const eta = i * (etaMax / (gridSize - 1));
      if (firstStepChange(data, eta) >= 0) {
        if (i === 1) return null;
        let low = previous;
        let high = eta;
        while (high - low > 1e-12) {
          const middle = (low + high) / 2;
          if (firstStepChange(data, middle) < 0) low = middle;
          else high = middle;
        }
        return low;
      }
      previous = eta;
    }
    return null;
  }

  /** What k steps of gradient descent with eta do: the chapter's four regimes.
   *  "off": the hidden unit is off for every sample after the k steps (the loss stalls);
   *  "divergence": the loss after k steps is above the loss before, or overflows;
   *  "small": it is lower but not halved, with eta below the best eta of the scan;
   *  "good": otherwise. */
  function runOutcome(data, eta, steps) {
    const run = train(data.theta, data.X, data.y, eta, steps);
    const last = run.thetas[run.thetas.length - 1];
    const z = forward(last, data.X).z;
    const final = run.losses[run.losses.length - 1];
    const off = z.every((value) => value <= 0);
    let kind;
    if (off) kind = "off";
    else if (!Number.isFinite(final) || final > run.losses[0]) kind = "divergence";
    else kind = "lower";
    return { eta: eta, loss: final, kind: kind, losses: run.losses };
  }

  function learningRateScan(data, steps, etaMax, points) {
    const outcomes = [];
    for (let i = 1; i <= points; i++) outcomes.push(runOutcome(data, (etaMax * i) / points, steps));
    let best = null;
    for (const o of outcomes) {
      if (o.kind === "lower" && (best === null || o.loss < best.loss)) best = o;
    }
    const before = loss(data.theta, data.X, data.y);
    for (const o of outcomes) o.regime = regimeOf(o, before, best);
    const diverging = outcomes.find((o) => o.regime === "divergence");
    return { outcomes: outcomes, best: best, lossBefore: before,
      divergenceFrom: diverging ? diverging.eta : null };
  }

  function regimeOf(outcome, before, best) {
    if (outcome.kind !== "lower") return outcome.kind;
    const halved = outcome.loss <= before / 2;
    return !halved && best !== null && outcome.eta < best.eta ? "small" : "good";
  }

  function regime(data, eta, steps, scan) {
    return regimeOf(runOutcome(data, eta, steps), scan.lossBefore, scan.best);
  }

  // -- the grader's check of one answer (grader/judgment) ------------------------------

  /** The homework's computation with mistakes switched on (grader.judgment.mutants). */
  function Computation(data, given) {
    this.X = data.X;
    this.y = data.y;
    this.theta = data.theta;
    this.eta = data.eta;
    this.given = given || {};
  }

  Computation.prototype.value = function (name, m, names) {
    if (names.has(name)) return this.given[name];
    return this["_" + name](m, names);
  };

  Computation.prototype._forward = function (theta, m) {
    const z = this.X.map((x) => theta[0] * x[0] + theta[1] * x[1] + theta[2]);
    const h = m.has("no_relu") ? z.slice() : z.map(relu);
    return { z: z, h: h, yHat: h.map((value) => theta[3] * value + theta[4]) };
  };

  Computation.prototype._mean = function (values, m, flag) {
    const total = Array.isArray(values[0])
      ? values[0].map((_, j) => values.reduce((sum, row) => sum + row[j], 0))
      : values.reduce((sum, value) => sum + value, 0);
    if (m.has(flag)) return total;
    return Array.isArray(total) ? total.map((t) => t / values.length) : total / values.length;
  };

  Computation.prototype._backprop = function (theta, yHat, m) {
    const f = this._forward(theta, m);
    const y = this.y;
    return this.X.map((x, n) => {
      let d = (yHat[n] - y[n]) * (m.has("half_delta") ? 1 : 2);
      if (m.has("flip_delta")) d = -d;
      let slope;
      if (m.has("no_relu") || m.has("derivative_one")) slope = 1;
      else if (m.has("derivative_one_at_zero")) slope = f.z[n] >= 0 ? 1 : 0;
      else slope = f.z[n] > 0 ? 1 : 0;
      const dh = d * theta[3] * slope;
      const w3Factor = m.has("z_for_h") ? f.z[n] : f.h[n];
      return [dh * x[0], dh * x[1], dh, d * w3Factor, d].map((g) => g + 0);
    });
  };

  Computation.prototype._y_hat = function (m) {
    return this._forward(this.theta, m).yHat;
  };

  Computation.prototype._loss = function (m, g) {
    const yHat = this.value("y_hat", m, g);
    return this._mean(yHat.map((value, n) => (value - this.y[n]) ** 2), m, "sum_loss");
  };

  Computation.prototype._grad_per_sample = function (m, g) {
    return this._backprop(this.theta, this.value("y_hat", m, g), m);
  };

  Computation.prototype._grad = function (m, g) {
    return this._mean(this.value("grad_per_sample", m, g), m, "sum_gradient");
  };

  Computation.prototype._theta_new = function (m, g) {
    const step = (m.has("no_eta") ? 1 : this.eta) * (m.has("add_gradient") ? 1 : -1);
    if (m.has("per_sample") || m.has("per_sample_reversed")) {
      const order = this.X.map((_, n) => n);
      if (m.has("per_sample_reversed")) order.reverse();
      let theta = this.theta;
      order.forEach((n, position) => {
        const grads = position === 0
          ? this.value("grad_per_sample", m, g)
          : this._backprop(theta, this._forward(theta, m).yHat, m);
        theta = theta.map((w, j) => w + step * grads[n][j]);
      });
      return theta;
    }
    const grad = this.value("grad", m, g);
    return this.theta.map((w, j) => w + step * grad[j]);
  };

  Computation.prototype._loss_new = function (m, g) {
    if (m.has("old_theta")) return this.value("loss", m, g);
    const yHat = this._forward(this.value("theta_new", m, g), m).yHat;
    return this._mean(yHat.map((value, n) => (value - this.y[n]) ** 2), m, "sum_loss");
  };

  Computation.prototype._loss_decreased = function (m, g) {
    return this.value("loss_new", m, g) < this.value("loss", m, g);
  };

  function flat(value) {
    return Array.isArray(value) ? value.flat() : [value];
  }

  /** Per component: |student − expected| ≤ atol + rtol·|expected| (grader.judgment.checks). */
  function close(student, expected, rtol, atol) {
    const a = flat(student);
    const b = flat(expected);
    if (a.length !== b.length) return b.map(() => false);
    return b.map((e, i) => Math.abs(a[i] - e) <= atol + rtol * Math.abs(e));
  }

  function allClose(student, expected, rtol, atol) {
    return close(student, expected, rtol, atol).every(Boolean);
  }

  /** The rubric's entry for one answer variable. */
  function quantity(rubric, name) {
    for (const question of rubric.questions) {
      for (const q of question.quantities) if (q.name === name) return q;
    }
    throw new Error("no answer variable " + name + " in the rubric");
  }

  /** (rtol, atol); 𝓛′ also allows for θ′ rounded by hand (the grader's _tolerance). */
  function tolerance(rubric, name, data, reference) {
    const q = quantity(rubric, name);
    if (name !== "loss_new") return [q.rtol, q.atol];
    const slope = gradient(reference.theta_new, data.X, data.y);
    const allowance = rubric.theta_rounding * slope.reduce((s, g) => s + Math.abs(g), 0);
    return [q.rtol, q.atol + allowance];
  }

  /** Why an answer carries no credit (grader.judgment.checks.trivial_reason), or null. */
  function trivialReason(name, value, reference, data, rubric, atol) {
    const array = flat(value);
    const right = flat(reference);
    const absurd = rubric.absurd_magnitude;
    const squared = name === "loss" || name === "loss_new";
    if (array.some((v) => Math.abs(v) > (squared ? absurd ** 2 : absurd))) {
      return "implausibly large";
    }
    if (squared) return array[0] <= atol ? "practically zero" : null;
    if (array.every((v) => Math.abs(v) <= atol)) return "all zeros";
    if (name === "y_hat" && array.every((v, n) =>
      Math.abs(v - data.y[n]) <= Math.max(atol, 0.1 * Math.abs(right[n] - data.y[n])))) {
      return "practically equal to the targets y";
    }
    if (name === "theta_new" && array.every((v, j) => Math.abs(v - data.theta[j]) <= atol)) {
      return "equal to the old θ (no update)";
    }
    return null;
  }

  function combinations2(items) {
    const pairs = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) pairs.push([items[i], items[j]]);
    }
    return pairs;
  }

  /** The mistakes that explain a wrong value: the grader's levels (one mutation, then a
   *  pair of different mistakes), from the reference and from the earlier answers. */
  function explainingReadings(name, student, reference, data, given, tol, mistakes) {
    const tagOf = {};
    const rank = {};
    mistakes.misconceptions.forEach((mc, index) => {
      rank[mc.tag] = index;
      for (const mutation of mc.mutations) tagOf[mutation] = mc.tag;
    });
    const local = mistakes.local_mutations[name];
    const singles = local.map((m) => [m]);
    const pairs = combinations2(local).filter((p) => tagOf[p[0]] !== tagOf[p[1]]);
    const computation = new Computation(data, given);
    const earlier = new Set(ORDER.slice(0, ORDER.indexOf(name)));
    const sources = [new Set()].concat(earlier.size ? [earlier] : []);
    for (const level of [singles, pairs]) {
      const readings = [];
      for (const names of sources) {
        for (const mutations of level) {
          const value = computation.value(name, new Set(mutations), names);
          if (allClose(value, reference, tol[0], tol[1])) continue;
          if (allClose(student, value, tol[0], tol[1])) {
            const tags = [...new Set(mutations.map((m) => tagOf[m]))];
            tags.sort((a, b) => rank[a] - rank[b]);
            const key = tags.join(" ");
            if (!readings.some((r) => r.join(" ") === key)) readings.push(tags);
          }
        }
      }
      if (readings.length) return readings;
    }
    return [];
  }

  /** The grader's verdict on one answer, the earlier answers being right:
   *  {status: "correct" | "partial" | "incorrect", points, tags, readings, right}. */
  function checkAnswer(name, student, data, rubric, mistakes, reference) {
    reference = reference || answers(data);
    const q = quantity(rubric, name);
    if (name === "loss_decreased") {
      const ok = student === reference.loss_decreased;
      return { status: ok ? "correct" : "incorrect", points: ok ? q.points : 0, tags: [],
        readings: [], right: [ok] };
    }
    const tol = tolerance(rubric, name, data, reference);
    const right = close(student, reference[name], tol[0], tol[1]);
    if (right.every(Boolean)) {
      return { status: "correct", points: q.points, tags: [], readings: [], right: right };
    }
    const given = {};
    for (const earlier of ORDER.slice(0, ORDER.indexOf(name))) given[earlier] = reference[earlier];
    const readings = explainingReadings(name, student, reference[name], data, given, tol,
      mistakes);
    const tags = [...new Set(readings.flat())];
    const trivial = trivialReason(name, student, reference[name], data, rubric, q.atol);
    let points = 0;
    if (trivial === null && beyondGuesses(right, guessed(student, data, rubric, tol))) {
      const share = q.points / right.length;
      points = Math.round(share * right.filter(Boolean).length * 1e6) / 1e6;
    }
    return { status: points > 0 ? "partial" : "incorrect", points: points, tags: tags,
      readings: readings, right: right, trivial: trivial };
  }

  /** Numbers anyone can write down without working: the rubric's guess constants (0, ±1)
   *  and the entries of y and θ (solutions.variant.guesses). */
  function guesses(data, rubric) {
    return rubric.guess_constants.concat(data.y, data.theta);
  }

  /** Per component of the typed answer: whether a guess gives it (the grader's _guessed). */
  function guessed(student, data, rubric, tol) {
    const options = guesses(data, rubric);
    return flat(student).map((v) =>
      options.some((g) => Math.abs(v - g) <= tol[1] + tol[0] * Math.abs(g)));
  }

  /** A right component earns points only beside a right one that no guess gives (the
   *  inactive sample's ŷ = w4 and zero gradients are the same whatever the numbers). */
  function beyondGuesses(right, isGuess) {
    return right.some((r, i) => r && !isGuess[i]);
  }

  // -- whose numbers: the students' variants, and fresh ones for practice -------------

  function isWhole(value) {
    return Math.abs(value - Math.round(value)) < 1e-9;
  }

  /** Whether a student ID could give these X, y and θ (solutions/variant.py's values;
   *  the homework's own numbers included). η is left out: the first answers need none. */
  function couldBeGraded(data, variant) {
    const inSet = (value, set) => isWhole(value) && set.includes(Math.round(value));
    return data.X.every((x) => x.every((v) => inSet(v, variant.x_values))) &&
      data.theta.every((w) => inSet(w, variant.theta_values)) &&
      data.y.every((t) => inSet(10 * t, variant.y_tenths));
  }

  function sameNumbers(a, b) {
    const flatAll = (d) => [...d.X.flat(), ...d.y, ...d.theta];
    const x = flatAll(a);
    const y = flatAll(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }

  /** A small seeded generator (mulberry32): numbers in [0, 1). */
  function generator(seed) {
    let state = seed >>> 0;
    return function () {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function pick(random, options) {
    return options[Math.floor(random() * options.length)];
  }

  function halves(low, high) {
    const values = [];
    for (let v = 2 * low; v <= 2 * high; v++) values.push(v / 2);
    return values;
  }

  /** Whether a data set keeps the homework's lesson (solutions/variant.py's rules). */
  function keepsTheLesson(data, variant) {
    const f = forward(data.theta, data.X);
    const signs = f.z.map(Math.sign).sort();
    if (data.theta[3] === 0 || signs[0] !== -1 || signs[1] !== 1) return false;
    if (f.yHat.some((v, n) => Math.abs(v - data.y[n]) < 0.05)) return false;
    const before = loss(data.theta, data.X, data.y);
    const grad = gradient(data.theta, data.X, data.y);
    const after = loss(gdStep(data.theta, grad, data.eta), data.X, data.y);
    return before <= variant.max_loss && after < before * (1 - variant.min_relative_decrease);
  }

  /** Fresh numbers for practice: x and θ in halves (never all whole, so never a student's
   *  variant nor the homework's), y in tenths, η one of the homework's rates; the same
   *  lesson as a variant (one sample switches the hidden unit on, the other off). */
  function practiceProblem(random, variant) {
    const xs = halves(Math.min(...variant.x_values), Math.max(...variant.x_values));
    const ws = halves(Math.min(...variant.theta_values), Math.max(...variant.theta_values));
    const ys = variant.y_tenths;
    for (;;) {
      const data = {
        X: [[pick(random, xs), pick(random, xs)], [pick(random, xs), pick(random, xs)]],
        y: [pick(random, ys) / 10, pick(random, ys) / 10],
        theta: [0, 1, 2, 3, 4].map(() => pick(random, ws)),
        eta: pick(random, variant.eta_values),
      };
      if (!couldBeGraded(data, variant) && keepsTheLesson(data, variant)) return data;
    }
  }

  return {
    ORDER: ORDER,
    relu: relu,
    forward: forward,
    loss: loss,
    backprop: backprop,
    gradient: gradient,
    gdStep: gdStep,
    train: train,
    answers: answers,
    firstStepChange: firstStepChange,
    largestDecreasingEta: largestDecreasingEta,
    runOutcome: runOutcome,
    learningRateScan: learningRateScan,
    regime: regime,
    Computation: Computation,
    close: close,
    checkAnswer: checkAnswer,
    guesses: guesses,
    couldBeGraded: couldBeGraded,
    sameNumbers: sameNumbers,
    generator: generator,
    practiceProblem: practiceProblem,
  };
});
