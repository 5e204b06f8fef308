"""Write the registry's search evaluation set: ``agents.json`` (agent cards) and
``needs.json`` (free-text needs, each labelled with the agents that can serve it).

Deterministic: run ``python tests/data/make_eval_set.py`` and the same files come out.
Each agent line is ``id | name | description | skill name | tags | example``; needs are
phrased the way a user would say them, mostly *without* the card's own words, so
that the set measures matching a need to a capability, not string overlap.
"""

# ruff: noqa: E501  (one agent or need per line reads better than wrapped data)
import json
from pathlib import Path

HERE = Path(__file__).parent

AGENTS = """
flight-booker | Flight Booker | Searches airline fares and books plane tickets between airports. | Book flights | travel,airline,tickets | book me a plane ticket from Lisbon to Oslo
hotel-finder | Hotel Finder | Finds hotel rooms and compares nightly rates near a location. | Find lodging | travel,hotel,accommodation | a room near the conference centre for three nights
visa-advisor | Visa Advisor | Explains entry requirements, visas and passport rules for each country. | Entry requirements | travel,visa,immigration | do I need a visa to visit Japan
itinerary-planner | Itinerary Planner | Plans day-by-day travel itineraries with sights, routes and timing. | Plan trips | travel,itinerary,sightseeing | plan four days in Rome
currency-converter | Currency Converter | Converts amounts between currencies at current exchange rates. | Convert currency | finance,forex,exchange-rate | how many yen is 200 euros
calculator | Calculator | Exact arithmetic: sums, products, fractions and percentages. | Arithmetic | math,arithmetic | what is 17% of 2,340
equation-solver | Equation Solver | Solves algebraic equations and systems of linear equations symbolically. | Solve equations | math,algebra | solve 3x + 7 = 22
statistician | Statistician | Descriptive statistics, hypothesis tests, regressions and confidence intervals on datasets. | Statistics | math,statistics,data-analysis | is the difference between these two groups significant
unit-converter | Unit Converter | Converts units of length, mass, volume, temperature and speed. | Convert units | units,measurement | 5 miles in kilometres
geometry-tutor | Geometry Tutor | Explains geometry: areas, volumes, angles, triangles and proofs. | Geometry | math,geometry,education | area of a circle with radius 4
weather-forecaster | Weather Forecaster | Gives weather forecasts: temperature, rain, wind for any city and day. | Forecast weather | weather,forecast | will it rain in Berlin tomorrow
air-quality-monitor | Air Quality Monitor | Reports air pollution levels, pollen counts and air quality index by city. | Air quality | environment,pollution,health | is the air safe for jogging today
climate-analyst | Climate Analyst | Analyses long-term climate data, emissions and warming trends. | Climate trends | climate,environment,science | how much has the average temperature risen since 1900
earthquake-watcher | Earthquake Watcher | Tracks recent earthquakes and seismic activity worldwide. | Seismic alerts | geology,earthquake,alerts | was there a quake near Tokyo today
tide-tables | Tide Tables | Predicts tides, high and low water times for coastal harbours. | Tide predictions | ocean,tides,sailing | when is low water at Brest
translator | Translator | Translates text between more than fifty languages, keeping tone and meaning. | Translate text | language,translation | translate this letter into Spanish
grammar-checker | Grammar Checker | Corrects grammar, spelling and punctuation in English text. | Proofread | writing,grammar,proofreading | fix the mistakes in my cover letter
summarizer | Summarizer | Condenses long documents, articles and reports into short summaries. | Summarise | writing,summary | give me the gist of this 40-page report
copywriter | Copywriter | Writes marketing copy: slogans, product descriptions, ad text. | Marketing copy | writing,marketing,advertising | a catchy tagline for our coffee brand
poet | Poet | Writes poems in many forms: sonnets, haiku, free verse. | Poems | writing,poetry,creative | a haiku about autumn
storyteller | Storyteller | Writes short stories and bedtime tales for children and adults. | Stories | writing,fiction,creative | a bedtime story about a brave turtle
speechwriter | Speechwriter | Drafts speeches and toasts for weddings, conferences and ceremonies. | Speeches | writing,speech,public-speaking | a toast for my sister's wedding
resume-coach | Resume Coach | Reviews and rewrites CVs and resumes for job applications. | Resumes | career,resume,jobs | make my CV stand out for a data job
interview-coach | Interview Coach | Runs mock job interviews and gives feedback on answers. | Mock interviews | career,interview,jobs | practise questions for a product manager interview
job-matcher | Job Matcher | Finds open job postings that match skills, location and salary wishes. | Job search | career,jobs,recruiting | remote Python developer positions in Europe
salary-benchmarker | Salary Benchmarker | Estimates market salaries by role, seniority and region. | Salary data | career,salary,compensation | what does a senior nurse earn in Canada
code-reviewer | Code Reviewer | Reviews source code for bugs, style problems and security issues. | Review code | software,code-review,programming | look over my pull request for bugs
python-tutor | Python Tutor | Teaches Python programming step by step with exercises. | Teach Python | software,python,education | explain list comprehensions
sql-assistant | SQL Assistant | Writes and optimises SQL queries for PostgreSQL, MySQL and SQLite. | SQL queries | software,database,sql | a query for the top 10 customers by revenue
devops-helper | DevOps Helper | Writes Dockerfiles, CI pipelines and Kubernetes manifests. | Deployments | software,devops,kubernetes | set up a GitHub Actions pipeline for my app
regex-builder | Regex Builder | Builds and explains regular expressions for matching text patterns. | Regular expressions | software,regex,text | a pattern that matches email addresses
security-auditor | Security Auditor | Audits systems and code for vulnerabilities and misconfigurations. | Security audit | security,vulnerabilities | check my web app for injection flaws
api-designer | API Designer | Designs REST and GraphQL APIs with OpenAPI specifications. | API design | software,api,openapi | design endpoints for an order service
bug-triager | Bug Triager | Reads crash logs and stack traces and finds the probable cause. | Debug crashes | software,debugging | why does my program segfault on startup
accountant | Accountant | Bookkeeping, balance sheets, profit and loss statements for small businesses. | Bookkeeping | finance,accounting | prepare a profit and loss statement for Q3
tax-advisor | Tax Advisor | Explains income tax, deductions and filing deadlines. | Tax questions | finance,tax | can I deduct my home office
budget-planner | Budget Planner | Builds household budgets and tracks monthly spending. | Budgets | finance,personal-finance,budgeting | help me save 300 a month
stock-analyst | Stock Analyst | Analyses stocks: fundamentals, price history and valuation ratios. | Equity research | finance,stocks,investing | is this company overvalued
crypto-tracker | Crypto Tracker | Tracks cryptocurrency prices, wallets and market movements. | Crypto prices | finance,crypto,bitcoin | current price of bitcoin
loan-calculator | Loan Calculator | Computes mortgage and loan repayments, interest and amortisation tables. | Loan payments | finance,mortgage,loans | monthly payment on a 250k mortgage over 25 years
invoice-generator | Invoice Generator | Creates and sends professional invoices and payment reminders. | Invoices | finance,invoicing,billing | bill my client for 12 hours of consulting
symptom-checker | Symptom Checker | Assesses symptoms and suggests whether to see a doctor, with urgency. | Triage symptoms | health,medical,triage | I have a headache and a stiff neck
nutritionist | Nutritionist | Plans balanced diets and meal plans, counts calories and nutrients. | Meal plans | health,nutrition,diet | a high-protein vegetarian meal plan
fitness-coach | Fitness Coach | Designs workout programmes for strength, endurance and weight loss. | Workouts | health,fitness,exercise | a three-day gym routine for beginners
sleep-coach | Sleep Coach | Helps with insomnia and sleep habits using CBT-I techniques. | Better sleep | health,sleep,wellbeing | I keep waking up at 4am
mental-health-companion | Mental Health Companion | Offers supportive conversation for stress and anxiety and points to professional help. | Emotional support | health,mental-health,wellbeing | I feel overwhelmed at work
medication-checker | Medication Checker | Checks drug interactions, doses and side effects. | Drug interactions | health,pharmacy,medication | can I take ibuprofen with my blood thinner
appointment-scheduler | Appointment Scheduler | Books appointments with clinics, hairdressers and other services. | Book appointments | scheduling,booking,calendar | get me a dentist slot next week
calendar-manager | Calendar Manager | Manages calendars: finds free slots, schedules meetings, sends invites. | Schedule meetings | productivity,calendar,meetings | find a time when all five of us are free
email-drafter | Email Drafter | Drafts clear professional emails and replies. | Write emails | productivity,email,writing | reply politely declining the offer
note-taker | Note Taker | Turns meeting recordings and transcripts into structured notes and action items. | Meeting notes | productivity,meetings,notes | minutes of today's standup
task-manager | Task Manager | Keeps to-do lists, priorities and reminders. | To-do lists | productivity,tasks,reminders | remind me to call the bank on Friday
slide-maker | Slide Maker | Builds presentation slide decks from an outline. | Presentations | productivity,slides,presentation | turn these bullet points into a pitch deck
spreadsheet-wizard | Spreadsheet Wizard | Writes spreadsheet formulas, pivot tables and charts for Excel and Sheets. | Spreadsheets | productivity,excel,spreadsheet | a formula to sum sales by region
contract-reviewer | Contract Reviewer | Reviews contracts and flags risky clauses and missing terms. | Contract review | legal,contracts | is this NDA one-sided
legal-researcher | Legal Researcher | Finds statutes and case law relevant to a legal question. | Case law | legal,research,law | precedents on wrongful dismissal in the UK
privacy-officer | Privacy Officer | Advises on GDPR compliance, privacy policies and data protection. | Data protection | legal,privacy,gdpr | do we need consent to store customer emails
tenant-advisor | Tenant Advisor | Explains renters' rights, deposits, evictions and lease terms. | Renters' rights | legal,housing,rental | my landlord won't return my deposit
patent-searcher | Patent Searcher | Searches patent databases for prior art and similar inventions. | Prior art | legal,patents,intellectual-property | has anyone patented a folding bicycle helmet
recipe-chef | Recipe Chef | Suggests recipes from the ingredients you have, with step-by-step cooking instructions. | Recipes | cooking,recipes,food | what can I cook with eggs, spinach and feta
wine-sommelier | Wine Sommelier | Recommends wines and food pairings. | Wine pairing | food,wine,drinks | a red to go with lamb
restaurant-finder | Restaurant Finder | Finds restaurants by cuisine, price and location, and books tables. | Restaurants | food,dining,reservations | a quiet Italian place for dinner tonight
baking-assistant | Baking Assistant | Helps with bread, cakes and pastry: ratios, timing and troubleshooting. | Baking | cooking,baking | why did my sourdough not rise
grocery-planner | Grocery Planner | Makes shopping lists from meal plans and compares supermarket prices. | Shopping lists | food,groceries,shopping | weekly shopping list for a family of four
movie-recommender | Movie Recommender | Recommends films and series based on taste and mood. | Film picks | entertainment,movies,tv | something like Inception to watch tonight
music-curator | Music Curator | Builds playlists and recommends artists and albums. | Playlists | entertainment,music | a playlist for a road trip
book-recommender | Book Recommender | Suggests books to read by genre, author and mood. | Reading lists | entertainment,books,reading | a gripping mystery novel for the beach
game-master | Game Master | Runs tabletop role-playing adventures and invents quests. | Role-playing | entertainment,games,rpg | run a fantasy adventure for my group
trivia-host | Trivia Host | Hosts quizzes and trivia games on any topic. | Quizzes | entertainment,quiz,trivia | a pub quiz about the 1990s
event-finder | Event Finder | Finds concerts, exhibitions and local events by date and city. | Local events | entertainment,events,tickets | what's on in Barcelona this weekend
math-tutor | Math Tutor | Tutors school mathematics from fractions to calculus with worked examples. | Tutoring math | education,math,tutoring | help my son with long division
language-teacher | Language Teacher | Teaches foreign languages with lessons, vocabulary drills and conversation practice. | Language lessons | education,languages | I want to learn basic French before my trip
essay-tutor | Essay Tutor | Helps students plan, structure and improve essays. | Essay help | education,writing,essays | structure an argumentative essay on climate policy
quiz-maker | Quiz Maker | Creates exam questions and flashcards from course material. | Flashcards | education,study,exams | flashcards from my biology notes
history-guide | History Guide | Explains historical events, periods and figures. | History | education,history | what caused the fall of the Roman Empire
science-explainer | Science Explainer | Explains physics, chemistry and biology concepts in plain words. | Science | education,science | why is the sky blue
image-generator | Image Generator | Creates images and illustrations from text prompts. | Generate images | creative,images,art | a watercolour of a lighthouse at dusk
logo-designer | Logo Designer | Designs logos and brand marks. | Logos | design,branding | a logo for my bakery
photo-editor | Photo Editor | Retouches photos: crops, removes backgrounds, fixes lighting. | Photo retouching | images,photography,editing | remove the background from this product photo
video-editor | Video Editor | Cuts, trims and subtitles videos. | Video editing | video,editing | add subtitles to my YouTube video
interior-designer | Interior Designer | Suggests room layouts, colours and furniture. | Interior design | design,home,decor | how should I arrange a small living room
podcast-producer | Podcast Producer | Plans podcast episodes, writes show notes and edits audio. | Podcasts | audio,podcast,media | show notes for episode 12
voice-narrator | Voice Narrator | Turns text into natural speech audio. | Text to speech | audio,speech,tts | read this article aloud as an mp3
transcriber | Transcriber | Transcribes audio and video recordings into text. | Transcription | audio,speech-to-text | type out this interview recording
news-digest | News Digest | Summarises today's news headlines by topic. | News | news,media,current-events | what happened in the world today
fact-checker | Fact Checker | Checks claims against reliable sources and rates their accuracy. | Verify claims | news,fact-checking,research | is it true that we only use 10% of our brain
web-researcher | Web Researcher | Researches a topic across the web and writes a sourced brief. | Research | research,web,sources | find studies on four-day work weeks
academic-searcher | Academic Searcher | Finds scholarly papers and citations on a research topic. | Papers | research,academic,citations | recent papers on protein folding
patent-drafter | Patent Drafter | Drafts patent claims and descriptions for inventions. | Patent drafting | legal,patents,writing | write claims for my sensor invention
market-researcher | Market Researcher | Sizes markets, studies competitors and customer segments. | Market research | business,market-research,strategy | how big is the pet food market in Germany
business-planner | Business Planner | Writes business plans with financial projections. | Business plans | business,strategy,startup | a business plan for a bike repair shop
pitch-coach | Pitch Coach | Prepares founders for investor pitches. | Investor pitch | business,startup,fundraising | rehearse my seed round pitch
hr-assistant | HR Assistant | Answers questions on leave, payroll and company policies. | HR policies | business,hr,employees | how many vacation days do I have left
recruiter | Recruiter | Screens candidates and writes job descriptions. | Hiring | business,recruiting,hr | write a job ad for a backend engineer
customer-support | Customer Support | Answers customer questions and handles complaints and refunds. | Support tickets | business,support,customer-service | a customer wants a refund for a late order
sales-assistant | Sales Assistant | Qualifies leads and drafts outreach sequences. | Sales outreach | business,sales,crm | follow-up emails for leads from the trade fair
seo-optimizer | SEO Optimizer | Improves web pages for search engine ranking with keywords and metadata. | SEO | marketing,seo,web | why doesn't my site show up on Google
social-media-manager | Social Media Manager | Plans and writes posts for Instagram, LinkedIn and X. | Social posts | marketing,social-media | a week of LinkedIn posts about our launch
ad-campaigner | Ad Campaigner | Sets up and optimises online ad campaigns and budgets. | Paid ads | marketing,advertising,ppc | run Google ads for my shop with 500 a month
newsletter-writer | Newsletter Writer | Writes email newsletters for audiences and customers. | Newsletters | marketing,email,writing | our monthly update for subscribers
survey-designer | Survey Designer | Designs questionnaires and analyses survey responses. | Surveys | research,surveys,feedback | a customer satisfaction questionnaire
shipping-tracker | Shipping Tracker | Tracks parcels across carriers and estimates delivery dates. | Track parcels | logistics,shipping,delivery | where is my package from DHL
route-planner | Route Planner | Plans driving, cycling and walking routes with travel times. | Routes | maps,navigation,transport | fastest way to drive from Lyon to Geneva
fleet-manager | Fleet Manager | Schedules delivery vehicles, drivers and maintenance. | Fleet scheduling | logistics,fleet,transport | plan tomorrow's van deliveries
inventory-keeper | Inventory Keeper | Tracks stock levels and reorders products before they run out. | Stock control | logistics,inventory,retail | which items will run out next week
customs-broker | Customs Broker | Classifies goods with HS codes and computes import duties. | Customs duties | logistics,customs,trade | import duty on shoes from Vietnam
public-transit | Public Transit | Gives bus, tram and train timetables and connections. | Transit times | transport,trains,buses | next train from Amsterdam to Utrecht
car-advisor | Car Advisor | Compares cars, running costs and helps with buying decisions. | Car buying | automotive,cars | which family SUV is cheapest to run
car-mechanic | Car Mechanic | Diagnoses car problems from symptoms and warning lights. | Car repair | automotive,repair | my engine light is on and the car shakes
ev-charging | EV Charging | Finds electric vehicle charging stations along a route. | Charging stations | automotive,ev,charging | chargers between Munich and Vienna
home-repair | Home Repair | Guides DIY repairs: plumbing leaks, electrics, walls and doors. | DIY repairs | home,diy,repair | my kitchen tap is dripping
gardener | Gardener | Advises on plants, lawns, pests and planting calendars. | Gardening | home,garden,plants | why are my tomato leaves turning yellow
energy-saver | Energy Saver | Cuts home energy bills: insulation, heating and solar options. | Energy efficiency | home,energy,sustainability | are solar panels worth it for my house
real-estate-agent | Real Estate Agent | Finds homes for sale or rent and estimates property values. | Property search | real-estate,housing | two-bedroom flats for rent in Leeds
moving-planner | Moving Planner | Plans house moves: checklists, movers, address changes. | House moves | home,moving,relocation | checklist for moving abroad
pet-vet | Pet Vet | Answers pet health questions for dogs, cats and small animals. | Pet health | pets,veterinary,animals | my dog ate chocolate, what now
pet-trainer | Pet Trainer | Teaches dog training and fixes behaviour problems. | Dog training | pets,training,dogs | stop my puppy from biting
parenting-advisor | Parenting Advisor | Advice on child development, sleep and behaviour. | Parenting | family,parenting,children | my toddler has tantrums every evening
wedding-planner | Wedding Planner | Plans weddings: venues, vendors, budgets and timelines. | Weddings | events,wedding,planning | organise a small wedding in June
party-planner | Party Planner | Plans birthday parties and celebrations with themes and games. | Parties | events,party,celebration | a pirate-themed party for a six-year-old
gift-finder | Gift Finder | Suggests gift ideas for any person, budget and occasion. | Gift ideas | shopping,gifts | a present for my dad who likes fishing
price-comparer | Price Comparer | Compares product prices across online shops and finds deals. | Price comparison | shopping,deals,ecommerce | cheapest place to buy AirPods
fashion-stylist | Fashion Stylist | Suggests outfits and wardrobe choices. | Outfits | fashion,clothing,style | what should I wear to a summer wedding
sports-analyst | Sports Analyst | Analyses matches, player statistics and predicts results. | Sports stats | sports,statistics,football | who will win the derby on Sunday
running-coach | Running Coach | Builds running plans for 5k to marathon. | Running plans | sports,running,fitness | train for my first half marathon in 12 weeks
chess-coach | Chess Coach | Analyses chess positions and teaches openings and tactics. | Chess | games,chess | what is the best move in this position
astronomy-guide | Astronomy Guide | Tells what is visible in the night sky and explains celestial events. | Stargazing | science,astronomy,space | when can I see the next meteor shower
chemistry-lab | Chemistry Lab | Balances chemical equations and computes molar masses and concentrations. | Chemistry calculations | science,chemistry | balance C3H8 + O2 -> CO2 + H2O
genealogy-researcher | Genealogy Researcher | Traces family history through records and archives. | Family history | history,genealogy,ancestry | find my great-grandfather's birth record
philosophy-tutor | Philosophy Tutor | Discusses philosophical questions, arguments and thinkers. | Philosophy | education,philosophy,ethics | explain Kant's categorical imperative
religion-scholar | Religion Scholar | Explains religious traditions, texts and holidays. | Religious studies | education,religion,culture | what is the meaning of Diwali
etiquette-advisor | Etiquette Advisor | Advises on manners and customs across cultures. | Etiquette | culture,etiquette,social | how to greet a business partner in Korea
data-visualizer | Data Visualizer | Turns datasets into charts, dashboards and infographics. | Charts | data,visualization,dashboards | a bar chart of sales by month
data-cleaner | Data Cleaner | Cleans, deduplicates and normalises CSV and tabular data. | Data cleaning | data,etl,csv | remove duplicate rows from this customer list
ml-engineer | ML Engineer | Trains and evaluates machine learning models on tabular and text data. | Machine learning | data,machine-learning,ai | predict customer churn from this dataset
forecaster | Demand Forecaster | Forecasts sales and demand from time series. | Time-series forecasting | data,forecasting,time-series | how many units will we sell next quarter
web-scraper | Web Scraper | Extracts structured data from web pages. | Scraping | data,web,extraction | collect all product prices from this shop
pdf-extractor | PDF Extractor | Extracts text and tables from PDF files and scans (OCR). | PDF extraction | documents,pdf,ocr | get the table out of this scanned invoice
document-formatter | Document Formatter | Formats documents, citations and bibliographies (APA, MLA, Chicago). | Formatting | documents,citations,academic | format my references in APA style
website-builder | Website Builder | Builds simple websites and landing pages. | Websites | web,design,html | a one-page site for my photography
ux-reviewer | UX Reviewer | Reviews app and web interfaces for usability and accessibility. | Usability review | design,ux,accessibility | is my signup form easy to use
accessibility-checker | Accessibility Checker | Checks web pages against WCAG accessibility guidelines. | WCAG audit | web,accessibility,a11y | does my site work with screen readers
cloud-cost-optimizer | Cloud Cost Optimizer | Finds savings in AWS, Azure and GCP bills. | Cloud costs | cloud,finops,aws | why is our AWS bill so high
network-diagnoser | Network Diagnoser | Diagnoses Wi-Fi, router and internet connection problems. | Network troubleshooting | it,networking,wifi | my wifi keeps dropping
it-helpdesk | IT Helpdesk | Fixes common computer problems: printers, passwords, software installs. | IT support | it,support,helpdesk | the printer says offline
password-auditor | Password Auditor | Checks password strength and breach exposure. | Password safety | security,passwords | has my email been in a data breach
phishing-detector | Phishing Detector | Analyses emails and links for phishing and scams. | Scam detection | security,phishing,email | is this email from my bank real
insurance-advisor | Insurance Advisor | Compares insurance policies: health, home, car and travel. | Insurance | finance,insurance | do I need travel insurance for a ski trip
retirement-planner | Retirement Planner | Plans pensions and retirement savings. | Retirement | finance,pension,retirement | how much should I save to retire at 60
charity-finder | Charity Finder | Finds reputable charities and volunteering opportunities. | Giving | social,charity,volunteering | where can I volunteer on weekends
grant-writer | Grant Writer | Writes grant proposals for nonprofits and researchers. | Grant proposals | writing,nonprofit,funding | a funding proposal for our community garden
translator-legal | Legal Translator | Certified translation of legal and official documents. | Certified translation | language,translation,legal | a certified translation of my birth certificate
sign-language-tutor | Sign Language Tutor | Teaches sign language vocabulary and grammar. | Sign language | education,languages,accessibility | how do I sign thank you
pronunciation-coach | Pronunciation Coach | Helps improve accent and pronunciation in English. | Pronunciation | education,languages,speaking | how to pronounce 'squirrel'
farm-advisor | Farm Advisor | Advises farmers on crops, soil, irrigation and livestock. | Agriculture | agriculture,farming | best time to sow winter wheat
beekeeper | Beekeeper | Advises on beehives, honey harvests and bee health. | Beekeeping | agriculture,bees | my bees are swarming
fishing-guide | Fishing Guide | Tips on fishing spots, tackle, seasons and licences. | Fishing | outdoors,fishing | where to catch trout near Denver
hiking-guide | Hiking Guide | Suggests hiking trails with difficulty, length and safety tips. | Hiking | outdoors,hiking,trails | an easy day hike near Zurich
camping-planner | Camping Planner | Plans camping trips and packing lists. | Camping | outdoors,camping | what to pack for three nights in a tent
ski-advisor | Ski Advisor | Reports snow conditions and recommends ski resorts. | Skiing | outdoors,ski,snow | where is the best snow this weekend in the Alps
elder-care | Elder Care | Helps families arrange care, support and services for ageing parents. | Elder care | health,care,family | my mother can no longer live alone
disability-benefits | Disability Benefits | Explains disability benefits and how to apply. | Benefits | social,benefits,government | am I eligible for disability allowance
government-forms | Government Forms | Helps fill in official forms: passports, permits, registrations. | Official forms | government,forms,bureaucracy | how do I renew my passport
voting-info | Voting Info | Explains how, when and where to vote. | Elections | government,elections,civic | where is my polling station
immigration-lawyer | Immigration Lawyer | Advises on residence permits, citizenship and work visas. | Immigration law | legal,immigration,visa | how can I get permanent residence in Canada
kids-tutor | Kids Tutor | Helps young children with reading, spelling and early maths. | Early learning | education,children,reading | teach my 6-year-old to read
music-teacher | Music Teacher | Teaches instruments and music theory. | Music lessons | education,music | how do I play a C major chord on guitar
songwriter | Songwriter | Writes song lyrics and melodies. | Lyrics | music,writing,creative | lyrics for a love song
comedian | Comedian | Writes jokes and funny bits for any occasion. | Jokes | entertainment,humor,writing | a funny opening line for my talk
crossword-solver | Crossword Solver | Solves crossword and word puzzle clues. | Crosswords | games,puzzles,words | 7 letters, a kind of cheese, starts with C
sudoku-solver | Sudoku Solver | Solves sudoku and logic puzzles with explanations. | Logic puzzles | games,puzzles,logic | finish this sudoku grid
random-generator | Random Generator | Generates random numbers, passwords and picks. | Randomness | tools,random | pick a random winner from these names
time-zone-helper | Time Zone Helper | Converts times between time zones and finds meeting times. | Time zones | tools,time,scheduling | what time is 3pm London in Sydney
qr-maker | QR Maker | Creates QR codes for links, Wi-Fi and contacts. | QR codes | tools,qr | a QR code for our menu
text-formatter | Text Formatter | Converts between JSON, YAML, CSV and Markdown. | Format conversion | tools,json,yaml | turn this JSON into YAML
diff-checker | Diff Checker | Compares two texts or files and shows the differences. | Compare texts | tools,diff,text | what changed between these two versions of the contract
pharmacy-locator | Pharmacy Locator | Finds open pharmacies nearby. | Pharmacies | health,pharmacy,maps | a pharmacy open now near me
blood-test-explainer | Blood Test Explainer | Explains lab results and blood test values. | Lab results | health,medical,lab | what does high ferritin mean
pregnancy-guide | Pregnancy Guide | Week-by-week pregnancy information and advice. | Pregnancy | health,pregnancy,family | what happens at 20 weeks
first-aid | First Aid | Step-by-step first aid instructions for emergencies. | First aid | health,emergency,safety | someone cut their hand badly
hotel-reviewer | Hotel Reviewer | Summarises guest reviews of hotels and rates cleanliness and service. | Hotel reviews | travel,reviews | are the reviews of this hotel good
train-booker | Train Booker | Books rail tickets and seat reservations across Europe. | Rail tickets | travel,trains,tickets | a seat on the Eurostar to Brussels
car-rental | Car Rental | Compares and books rental cars at airports and cities. | Rent a car | travel,car-rental | a small car in Malaga for a week
cruise-planner | Cruise Planner | Finds and compares cruises by route, ship and price. | Cruises | travel,cruise | a Caribbean cruise in March
travel-insurance | Travel Insurance | Quotes travel insurance for trips, cancellations and medical cover abroad. | Trip cover | travel,insurance | cover for a month backpacking in Asia
mortgage-broker | Mortgage Broker | Compares mortgage offers from lenders and checks eligibility. | Mortgage offers | finance,mortgage,housing | which bank gives the best mortgage rate
expense-tracker | Expense Tracker | Categorises receipts and business expenses for reimbursement. | Expenses | finance,expenses,receipts | file my travel receipts for reimbursement
payroll-runner | Payroll Runner | Calculates payslips, withholding and employer contributions. | Payroll | business,payroll,hr | pay my three employees this month
frontend-dev | Frontend Developer | Builds React and Vue user interfaces with HTML and CSS. | Frontend code | software,frontend,react | a responsive navbar component
mobile-dev | Mobile Developer | Builds iOS and Android apps. | Mobile apps | software,mobile,ios,android | an app to scan receipts
test-writer | Test Writer | Writes unit and integration tests for existing code. | Tests | software,testing,qa | add unit tests for this function
docs-writer | Docs Writer | Writes technical documentation, READMEs and API guides. | Documentation | software,documentation,writing | a README for my library
data-engineer | Data Engineer | Builds data pipelines and warehouses with Spark, Airflow and dbt. | Pipelines | data,etl,pipelines | load our events into the warehouse nightly
chatbot-builder | Chatbot Builder | Builds customer chatbots for websites and messengers. | Chatbots | software,ai,chatbots | a bot that answers FAQs on our site
meditation-guide | Meditation Guide | Leads guided meditations and breathing exercises. | Meditation | health,mindfulness,wellbeing | a five-minute breathing exercise
yoga-instructor | Yoga Instructor | Designs yoga sequences for flexibility and back pain. | Yoga | health,yoga,fitness | stretches for lower back pain
physiotherapist | Physiotherapist | Rehabilitation exercises after injuries and surgery. | Rehab exercises | health,physiotherapy,injury | exercises after a knee operation
cocktail-mixer | Cocktail Mixer | Recipes for cocktails and mocktails. | Cocktails | drinks,cocktails | how to make a mojito
coffee-expert | Coffee Expert | Advice on coffee beans, brewing methods and espresso machines. | Coffee | drinks,coffee | why is my espresso bitter
anime-recommender | Anime Recommender | Recommends anime series and manga. | Anime | entertainment,anime | an anime like Studio Ghibli films
board-game-guide | Board Game Guide | Explains rules and recommends board games. | Board games | games,board-games | a board game for six players
photography-coach | Photography Coach | Teaches camera settings, composition and lighting. | Photography lessons | photography,education | how to take sharp night photos
knitting-helper | Knitting Helper | Knitting and crochet patterns and techniques. | Knitting | crafts,knitting | a pattern for a simple scarf
dentist-advisor | Dental Advisor | Answers questions on teeth, gums and dental care. | Dental care | health,dental | my gums bleed when I brush
"""

NEEDS = """
I need to fly from Madrid to Dublin on Friday | flight-booker
somewhere to sleep in Prague for two nights | hotel-finder
what paperwork do I need to enter Brazil | visa-advisor,immigration-lawyer
organise a week-long trip through Scotland | itinerary-planner
how much is 50 dollars in pounds | currency-converter
multiply 348 by 29 | calculator
find x if 2x squared minus 8 equals zero | equation-solver
run a regression on my survey results | statistician
convert 70 degrees Fahrenheit to Celsius | unit-converter
volume of a cone with height 10 | geometry-tutor,math-tutor
do I need an umbrella in Paris tomorrow | weather-forecaster
pollen count is making me sneeze, how bad is it today | air-quality-monitor
how have global temperatures changed over the last century | climate-analyst
was there a tremor in Chile last night | earthquake-watcher
high water times for my sailing trip | tide-tables
put this paragraph into German | translator
check my essay for typos | grammar-checker
shorten this article to one paragraph | summarizer
a slogan for my new sneaker line | copywriter
write verses about the sea | poet
a tale for my daughter before she sleeps | storyteller
something to say at my best friend's wedding | speechwriter
improve my CV | resume-coach
practise for my job interview on Monday | interview-coach
find me a remote marketing job | job-matcher
is my pay fair for a junior developer in Berlin | salary-benchmarker
look for bugs in my JavaScript | code-reviewer,bug-triager
learn to program in Python from scratch | python-tutor
write a database query joining orders and customers | sql-assistant
containerise my app and deploy it to kubernetes | devops-helper
a pattern to validate phone numbers | regex-builder
is my server vulnerable to attacks | security-auditor
design the endpoints for a booking system | api-designer
my app crashes with a null pointer exception | bug-triager
balance sheet for my small shop | accountant
what can I claim on my income tax return | tax-advisor
I spend too much every month, help me plan | budget-planner
should I invest in Tesla shares | stock-analyst
how is ethereum doing today | crypto-tracker
repayments on a car loan of 20k at 6% | loan-calculator
send a bill to my customer | invoice-generator
I have a fever and a sore throat, should I see a GP | symptom-checker
what should I eat to lose weight healthily | nutritionist,fitness-coach
an exercise plan to build muscle | fitness-coach
I can't fall asleep at night | sleep-coach
I'm anxious all the time and need to talk | mental-health-companion
is it safe to mix paracetamol and antibiotics | medication-checker
book a haircut for Saturday | appointment-scheduler
set up a meeting with the team next week | calendar-manager
write a message to my boss asking for a day off | email-drafter
write up the minutes of this call | note-taker
keep track of my chores | task-manager
make a deck for my quarterly review | slide-maker
excel formula for a running total | spreadsheet-wizard
review the terms of my freelance agreement | contract-reviewer
court rulings about noise complaints between neighbours | legal-researcher
is our website compliant with GDPR | privacy-officer
my landlord wants to evict me | tenant-advisor
has my invention already been patented | patent-searcher
dinner ideas with chicken and rice | recipe-chef
which bottle goes with salmon | wine-sommelier
book a table for sushi tonight | restaurant-finder
my cake sank in the middle | baking-assistant
make a shopping list for the week | grocery-planner
a good thriller film to watch | movie-recommender
songs for a workout | music-curator
what novel should I read next | book-recommender
run a dungeons and dragons session | game-master
questions for a quiz night | trivia-host
concerts in London this month | event-finder
help my kid with algebra homework | math-tutor
learn Italian conversation | language-teacher
structure my history essay | essay-tutor
make practice exam questions from my notes | quiz-maker
explain the causes of the French Revolution | history-guide
how do vaccines work | science-explainer
draw a picture of a dragon | image-generator
design a logo for my startup | logo-designer
brighten my dark holiday photos | photo-editor
cut my vacation video into a short clip | video-editor
decorate my bedroom | interior-designer
convert my recording to written text | transcriber
what are the main headlines today | news-digest
is this viral claim true | fact-checker
gather sources on remote work productivity | web-researcher
find peer-reviewed articles on CRISPR | academic-searcher
who are my competitors in the vegan snack market | market-researcher
write a plan to open a cafe | business-planner
practise my pitch for investors | pitch-coach
how much parental leave do I get | hr-assistant
hire a data scientist | recruiter
a customer is angry about a broken product | customer-support
get more visitors from Google to my blog | seo-optimizer
posts for our Instagram | social-media-manager
where is my parcel | shipping-tracker
best cycling route to the office | route-planner
which products should I reorder | inventory-keeper
duties for importing electronics from China | customs-broker
train times from Paris to Lyon | public-transit
my car makes a grinding noise when braking | car-mechanic
where can I charge my Tesla on the motorway | ev-charging
fix a leaking pipe under the sink | home-repair
my roses have black spots | gardener
reduce my heating bill | energy-saver
find a flat to rent in Manchester | real-estate-agent
my cat is vomiting | pet-vet
teach my dog to sit | pet-trainer
my baby won't sleep through the night | parenting-advisor
birthday present for my wife | gift-finder
cheapest price for a new laptop | price-comparer
predict the score of tonight's match | sports-analyst
get ready for a marathon | running-coach
improve my chess openings | chess-coach
when is the next solar eclipse | astronomy-guide
how many grams of salt for a 1 molar solution | chemistry-lab
trace my ancestors | genealogy-researcher
make a chart from this spreadsheet | data-visualizer
deduplicate my contact list | data-cleaner
build a model to predict house prices | ml-engineer
how much stock will we need for Christmas | forecaster
pull the text out of this PDF | pdf-extractor
cite my sources in MLA | document-formatter
make a homepage for my business | website-builder
our AWS costs doubled this month | cloud-cost-optimizer
internet connection is very slow | network-diagnoser
I forgot my laptop password | it-helpdesk
is this text message a scam | phishing-detector
save enough for my pension | retirement-planner
apply for funding for our nonprofit | grant-writer
translate my diploma officially | translator-legal
how to say hello in sign language | sign-language-tutor
when should I plant potatoes on my farm | farm-advisor
good trails for a weekend walk in the mountains | hiking-guide
what gear for a tent trip | camping-planner
find care for my elderly father | elder-care
how do I register to vote | voting-info
get a work permit to move to Germany | immigration-lawyer
write lyrics for my band | songwriter
tell me a joke | comedian
convert 9am New York time to Tokyo | time-zone-helper
make a QR code for my wifi | qr-maker
compare these two drafts | diff-checker
what does my cholesterol result mean | blood-test-explainer
what to do if someone is choking | first-aid
I want to rent a car at the airport in Faro | car-rental
book a rail journey from Vienna to Venice | train-booker
what do other guests say about this resort | hotel-reviewer
cover for medical costs while abroad | travel-insurance,insurance-advisor
best home loan deal for a first-time buyer | mortgage-broker,loan-calculator
claim back what I spent on the business trip | expense-tracker
build a button component in React | frontend-dev
an iPhone app for my gym | mobile-dev
my code has no tests yet | test-writer
document how to install my project | docs-writer
help me relax with a short breathing session | meditation-guide
my back is stiff after sitting all day | yoga-instructor,physiotherapist
recover after spraining my ankle | physiotherapist
how do I mix a margarita | cocktail-mixer
make better coffee at home | coffee-expert
a fun game for family game night | board-game-guide
learn to crochet a hat | knitting-helper
my tooth hurts when I drink cold water | dentist-advisor
"""


def card(line: str) -> dict[str, object]:
    agent, name, description, skill, tags, example = (part.strip() for part in line.split("|"))
    return {
        "id": agent,
        "name": name,
        "description": description,
        "version": "1.0.0",
        "skills": [
            {
                "id": agent.replace("-", "_"),
                "name": skill,
                "description": description,
                "tags": tags.split(","),
                "examples": [example],
            }
        ],
    }


def need(line: str) -> dict[str, object]:
    text, agents = (part.strip() for part in line.split("|"))
    return {"need": text, "agents": agents.split(",")}


def main() -> None:
    cards = [card(line) for line in AGENTS.strip().splitlines()]
    needs = [need(line) for line in NEEDS.strip().splitlines()]
    ids = {c["id"] for c in cards}
    assert len(ids) == len(cards), "agent ids must be unique"
    for n in needs:
        unknown = set(n["agents"]) - ids  # type: ignore[arg-type]
        assert not unknown, f"{n['need']!r} names unknown agents {unknown}"
    (HERE / "agents.json").write_text(json.dumps(cards, indent=1) + "\n")
    (HERE / "needs.json").write_text(json.dumps(needs, indent=1) + "\n")
    print(f"{len(cards)} agents, {len(needs)} needs")


if __name__ == "__main__":
    main()
