// Attendance page: a "mark everyone not yet marked as present" button and a live count.
// The form works without this script (plain radio buttons posting all rows at once).
(() => {
  const form = document.querySelector("form[data-attendance]");
  if (!form) return;
  const allButton = form.querySelector("[data-attendance-all]");
  const countLine = form.querySelector("[data-attendance-count]");
  const groups = () => {
    const names = new Set();
    form.querySelectorAll('input[type="radio"]').forEach((input) => names.add(input.name));
    return [...names];
  };
  const labels = {
    present: form.querySelector('label[for$="-present"]'),
    absent: form.querySelector('label[for$="-absent"]'),
    excused: form.querySelector('label[for$="-excused"]'),
  };
  const update = () => {
    if (!countLine) return;
    const counts = { present: 0, absent: 0, excused: 0, unmarked: 0 };
    groups().forEach((name) => {
      const checked = form.querySelector(`input[name="${name}"]:checked`);
      if (checked) counts[checked.value] += 1;
      else counts.unmarked += 1;
    });
    const parts = ["present", "absent", "excused"].map(
      (key) => `${labels[key] ? labels[key].textContent.trim() : key}: ${counts[key]}`
    );
    if (counts.unmarked) parts.push(`? ${counts.unmarked}`);
    countLine.textContent = parts.join(" · ");
  };
  if (allButton) {
    allButton.classList.remove("d-none");
    allButton.addEventListener("click", () => {
      groups().forEach((name) => {
        if (!form.querySelector(`input[name="${name}"]:checked`)) {
          const present = form.querySelector(`input[name="${name}"][value="present"]`);
          if (present) present.checked = true;
        }
      });
      update();
    });
  }
  form.addEventListener("change", update);
  update();
})();
